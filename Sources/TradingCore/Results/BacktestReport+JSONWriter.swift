#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The result document written straight into bytes: the same output as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` (+ `.prettyPrinted`), at a fraction of the cost for
/// long order, trade and equity lists (`JSONEncoder` boxes every value first).
extension BacktestReport {
    /// One top-level member of the document: its key and its value, encoded at depth 1, held as
    /// one or more pieces written one after the other (a long order list is two).
    public struct JSONMember: Sendable {
        public var key: String
        public var pieces: [JSONPiece]

        public init(key: String, value: [UInt8]) {
            self.init(key: key, pieces: [JSONPiece(copying: value)])
        }

        public init(key: String, pieces: [JSONPiece]) {
            self.key = key
            self.pieces = pieces
        }

        /// The value's bytes (joined: a copy).
        public var value: [UInt8] { pieces.flatMap(\.bytes) }

        /// The value's length in bytes.
        public var byteCount: Int { pieces.reduce(0) { $0 + $1.count } }
    }

    /// The document's members in key order (UTF-8 byte order, as `.sortedKeys`), each value
    /// encoded as it appears inside the top-level object. Join them with `jsonObject(_:pretty:)`.
    ///
    /// Written from the report's records on one thread. `backtest --json` writes the same bytes
    /// straight from the engine's output, faster (`ResultsDocument`); this is the reference the
    /// tests hold both `ResultsDocument` and `JSONEncoder` to.
    public func jsonMembers(pretty: Bool) -> [JSONMember] {
        func list<Element>(_ elements: [Element], bytes: Int, _ write: (ArraySlice<Element>, inout JSONByteWriter) -> Void) -> JSONPiece {
            var writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: elements.count * bytes + 16)
            write(elements[...], &writer)
            return writer.takePiece()
        }
        var curve = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: equityCurve.count * (pretty ? 150 : 90))
        Self.write(equityCurve, to: &curve)
        return Self.members(
            pretty: pretty, barsProcessed: barsProcessed, config: config, endTime: endTime, equityCurve: curve.takePiece(),
            error: error, finalValue: finalValue, orderListHash: orderListHash,
            orders: [list(orders, bytes: pretty ? 700 : 420, Self.write)], performanceMetrics: performanceMetrics,
            positions: positions, runId: runId, startTime: startTime, status: status,
            trades: [list(trades, bytes: pretty ? 330 : 220, Self.write)])
    }

    /// Runs with at least this many orders build their records (`init(output:…)`) and write their
    /// document (`ResultsDocument`) on two threads.
    static let parallelOrderCount = 4_096

    /// Every member of a document in key order, the long lists already written (shared by the
    /// report and `ResultsDocument`, so the two cannot drift apart).
    static func members(
        pretty: Bool, barsProcessed: Int, config: BacktestConfiguration, endTime: String?, equityCurve: JSONPiece,
        error: String?, finalValue: Double, orderListHash: String, orders: [JSONPiece], performanceMetrics: PerformanceMetrics,
        positions: [PositionRecord], runId: String, startTime: String?, status: Status, trades: [JSONPiece]
    ) -> [JSONMember] {
        var members: [JSONMember] = []
        members.reserveCapacity(14)
        func member(_ key: String, _ body: (inout JSONByteWriter) -> Void) {
            var writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: 64)
            body(&writer)
            members.append(JSONMember(key: key, pieces: [writer.takePiece()]))
        }
        func encoded<T: Encodable>(_ key: String, _ value: T) {
            member(key) { $0.encodedValue(Self.encoderBytes(value, pretty: pretty)) }
        }
        member("bars_processed") { $0.int(barsProcessed) }
        encoded("config", config)
        member("end_time") { $0.string(endTime) }
        members.append(JSONMember(key: "equity_curve", pieces: [equityCurve]))
        member("error") { $0.string(error) }
        member("final_value") { $0.number(finite(finalValue) ?? 0) }
        member("order_list_hash") { $0.string(orderListHash) }
        members.append(JSONMember(key: "orders", pieces: orders))
        encoded("performance_metrics", performanceMetrics)
        encoded("positions", positions)
        member("run_id") { $0.string(runId) }
        member("start_time") { $0.string(startTime) }
        member("status") { $0.string(status.rawValue) }
        members.append(JSONMember(key: "trades", pieces: trades))
        return members
    }

    /// One JSON array (at depth 1) from two written by separate writers, each with at least one
    /// element: the first without its closing bracket, a separator, the second without its
    /// opening one — exactly the bytes one writer gives, since every element is written at the
    /// same depth. Pretty: the head ends `\n  ]`, the tail starts `[\n`.
    static func joinedArray(_ head: JSONPiece, _ tail: JSONPiece, pretty: Bool) -> [JSONPiece] {
        [head.trimmed(leading: 0, trailing: pretty ? 4 : 1),
         JSONPiece(copying: pretty ? Array(",\n".utf8) : [UInt8(ascii: ",")]),
         tail.trimmed(leading: pretty ? 2 : 1, trailing: 0)]
    }

    /// The top-level object of `members` (which must be in key order).
    public static func jsonObject(_ members: [JSONMember], pretty: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(members.reduce(16) { $0 + $1.key.utf8.count + $1.byteCount + 8 })
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
            for piece in member.pieces { piece.withBytes(sink) }
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

    static func write(_ orders: ArraySlice<OrderRecord>, to w: inout JSONByteWriter) {
        w.beginArray()
        for order in orders {
            w.element()
            write(order, to: &w)
        }
        w.endArray()
    }

    static func write(_ order: OrderRecord, to w: inout JSONByteWriter) {
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

    static func write(_ trades: ArraySlice<TradeRecord>, to w: inout JSONByteWriter) {
        w.beginArray()
        for trade in trades {
            w.element()
            write(trade, to: &w)
        }
        w.endArray()
    }

    static func write(_ trade: TradeRecord, to w: inout JSONByteWriter) {
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
}

extension OrderRecord {
    /// The record as compact JSON with sorted keys: `JSONEncoder`'s bytes with
    /// `[.sortedKeys, .withoutEscapingSlashes]`, written directly (the server stores one per order).
    public var compactJSON: String {
        var writer = JSONByteWriter(pretty: false, reservingCapacity: 512)
        BacktestReport.write(self, to: &writer)
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }
}

extension TradeRecord {
    /// The record as compact JSON with sorted keys (see `OrderRecord.compactJSON`).
    public var compactJSON: String {
        var writer = JSONByteWriter(pretty: false, reservingCapacity: 320)
        BacktestReport.write(self, to: &writer)
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }
}
