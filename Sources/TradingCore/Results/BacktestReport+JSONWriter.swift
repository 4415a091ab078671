#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The result document written straight into bytes: the same output as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` (+ `.prettyPrinted`), at a fraction of the cost for
/// long order, trade and equity lists (`JSONEncoder` boxes every value first).
extension BacktestReport {
    /// One top-level member of the document: its key and its value, encoded at depth 1.
    public struct JSONMember: Sendable {
        public var key: String
        public var value: [UInt8]

        public init(key: String, value: [UInt8]) {
            self.key = key
            self.value = value
        }
    }

    /// The document's members in key order (UTF-8 byte order, as `.sortedKeys`), each value
    /// encoded as it appears inside the top-level object. Join them with `jsonObject(_:pretty:)`.
    public func jsonMembers(pretty: Bool) -> [JSONMember] {
        var members: [JSONMember] = []
        members.reserveCapacity(14)
        func member(_ key: String, capacity: Int = 64, _ body: (inout JSONByteWriter) -> Void) {
            var writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: capacity)
            body(&writer)
            members.append(JSONMember(key: key, value: writer.takeBytes()))
        }
        func encoded<T: Encodable>(_ key: String, _ value: T) {
            member(key) { $0.encodedValue(Self.encoderBytes(value, pretty: pretty)) }
        }
        member("bars_processed") { $0.int(barsProcessed) }
        encoded("config", config)
        member("end_time") { $0.string(endTime) }
        member("equity_curve", capacity: equityCurve.count * (pretty ? 150 : 90)) { Self.write(equityCurve, to: &$0) }
        member("error") { $0.string(error) }
        member("final_value") { $0.number(finite(finalValue) ?? 0) }
        member("order_list_hash") { $0.string(orderListHash) }
        member("orders", capacity: orders.count * (pretty ? 700 : 420)) { Self.write(orders, to: &$0) }
        encoded("performance_metrics", performanceMetrics)
        encoded("positions", positions)
        member("run_id") { $0.string(runId) }
        member("start_time") { $0.string(startTime) }
        member("status") { $0.string(status.rawValue) }
        member("trades", capacity: trades.count * (pretty ? 330 : 220)) { Self.write(trades, to: &$0) }
        return members
    }

    /// The top-level object of `members` (which must be in key order).
    public static func jsonObject(_ members: [JSONMember], pretty: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(members.reduce(16) { $0 + $1.key.utf8.count + $1.value.count + 8 })
        writeObject(members, pretty: pretty) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Streams the top-level object of `members` (in key order) to `sink`, piece by piece.
    public static func writeObject(_ members: [JSONMember], pretty: Bool, to sink: (UnsafeRawBufferPointer) -> Void) {
        func emit(_ text: String) {
            var text = text
            text.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
        }
        emit(pretty ? "{\n" : "{")
        for (index, member) in members.enumerated() {
            var head = index == 0 ? "" : (pretty ? ",\n" : ",")
            head += pretty ? "  \"" + member.key + "\" : " : "\"" + member.key + "\":"
            emit(head)
            member.value.withUnsafeBytes { sink($0) }
        }
        emit(pretty ? "\n}" : "}")
    }

    /// `JSONEncoder` bytes of a small value (the configuration, metrics, positions).
    static func encoderBytes<T: Encodable>(_ value: T, pretty: Bool) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("null".utf8)
    }

    static func write(_ points: [EquityPoint], to w: inout JSONByteWriter) {
        w.beginArray()
        for point in points {
            w.element()
            w.beginObject()
            w.key("cash"); w.number(point.cash)
            w.key("pnl"); w.number(point.pnl)
            w.key("timestamp"); w.string(point.timestamp)
            w.key("value"); w.number(point.value)
            w.endObject()
        }
        w.endArray()
    }

    static func write(_ orders: [OrderRecord], to w: inout JSONByteWriter) {
        w.beginArray()
        for order in orders {
            w.element()
            w.beginObject()
            w.key("average_fill_price"); w.number(finite(order.averageFillPrice))
            w.key("client_order_id"); w.string(order.clientOrderId)
            w.key("created_time"); w.string(order.createdTime)
            w.key("fees"); w.number(finite(order.fees) ?? 0)
            w.key("filled_quantity"); w.number(finite(order.filledQuantity) ?? 0)
            w.key("id"); w.int(order.id)
            w.key("limit_price"); w.number(finite(order.limitPrice))
            w.key("oco_group"); w.int(order.ocoGroup)
            w.key("parent_id"); w.int(order.parentId)
            w.key("quantity"); w.number(finite(order.quantity))
            w.key("reason"); w.string(order.reason)
            w.key("side"); w.string(order.side.rawValue)
            w.key("sizing"); w.string(order.sizing)
            w.key("sizing_value"); w.number(finite(order.sizingValue))
            w.key("status"); w.string(order.status.rawValue)
            w.key("stop_price"); w.number(finite(order.stopPrice))
            w.key("symbol"); w.string(order.symbol)
            w.key("time_in_force"); w.string(order.timeInForce.rawValue)
            w.key("type"); w.string(order.type.rawValue)
            w.key("updated_time"); w.string(order.updatedTime)
            w.endObject()
        }
        w.endArray()
    }

    static func write(_ trades: [TradeRecord], to w: inout JSONByteWriter) {
        w.beginArray()
        for trade in trades {
            w.element()
            w.beginObject()
            w.key("entry_price"); w.number(trade.entryPrice)
            w.key("entry_time"); w.string(trade.entryTime)
            w.key("exit_price"); w.number(trade.exitPrice)
            w.key("exit_time"); w.string(trade.exitTime)
            w.key("fees"); w.number(trade.fees)
            w.key("id"); w.int(trade.id)
            w.key("pnl"); w.number(trade.pnl)
            w.key("quantity"); w.number(trade.quantity)
            w.key("return"); w.number(trade.returnFraction)
            w.key("status"); w.string(trade.status)
            w.key("symbol"); w.string(trade.symbol)
            w.endObject()
        }
        w.endArray()
    }
}
