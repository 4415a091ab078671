#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import TradingCore

/// The results document written straight from the engine's output must be, byte for byte, the
/// document of the report built from the same output (itself checked against `JSONEncoder` in
/// `ReportJSONWriterTests`).
@Suite("Results document written from the engine's output")
struct ResultsDocumentTests {
    /// A strategy that places every kind of order the document can hold: brackets (OCO legs with
    /// a parent), limit and stop orders that fill, expire or are cancelled, IOC and FOK, every
    /// sizing, client order ids with characters JSON escapes, and orders the broker rejects.
    struct OrderMix: Strategy {
        static let name = "OrderMix"
        static let summary = "Every order shape, for document tests."
        static let parameters: [ParameterSpec] = []
        var bar = 0
        var pending: [Int] = []

        init(parameters: StrategyParameters, symbolCount: Int) {}

        mutating func onBar(_ current: Bar, symbol: Int, context: inout StrategyContext) {
            defer { if symbol == 0 { bar += 1 } }
            let price = current.close
            switch (bar + symbol * 3) % 12 {
            case 0:
                _ = context.submit(OrderRequest(symbol: symbol, side: .buy, sizing: .cashFraction(0.2), clientOrderId: "mix/\(bar) \"q\"\\",
                                                bracket: .init(stopLoss: 0.01, takeProfit: 0.015)))
            case 2:
                pending.append(context.submit(OrderRequest(symbol: symbol, side: .buy, type: .limit, sizing: .quantity(0.01),
                                                           limitPrice: price * 0.995)))
            case 3:
                _ = context.submit(OrderRequest(symbol: symbol, side: .buy, type: .stop, sizing: .cashAmount(150), stopPrice: price * 1.002,
                                                timeInForce: .ioc))
            case 5:
                _ = context.submit(OrderRequest(symbol: symbol, side: .buy, type: .limit, sizing: .quantity(0.02),
                                                limitPrice: price * 0.9, timeInForce: .fok, clientOrderId: "tab\there"))
            case 7:
                if let id = pending.popLast() { _ = context.cancel(orderId: id) }
                _ = context.submit(OrderRequest(symbol: symbol, side: .buy, sizing: .quantity(1_000)))  // more than the cash: rejected
            case 9:
                _ = context.closePosition(symbol: symbol)
            default:
                break
            }
        }
    }

    static func output(bars: Int, symbols: [TradingSymbol] = [Fixtures.btc]) -> EngineOutput {
        let series = symbols.enumerated().map { index, _ in Fixtures.regimeWalk(count: bars, seed: 7 + UInt64(index)) }
        return BacktestEngine.run(strategy: OrderMix(parameters: StrategyParameters(values: [:]), symbolCount: symbols.count), series: series,
                                  symbols: symbols, timeframe: .oneHour, broker: BrokerConfiguration(initialCash: 50_000))
    }

    static let configuration = BacktestConfiguration(strategyName: "OrderMix", symbols: [Fixtures.btc], timeframe: .oneHour)

    static func documentBytes(_ members: [BacktestReport.JSONMember], pretty: Bool) -> [UInt8] {
        BacktestReport.jsonObject(members, pretty: pretty)
    }

    @Test(arguments: [false, true])
    func everyOrderShapeMatchesTheReport(pretty: Bool) throws {
        for symbols in [[Fixtures.btc], [Fixtures.btc, Fixtures.eth]] {
            let output = Self.output(bars: 1_500, symbols: symbols)
            let orders = output.orders
            // The mix really holds what it is meant to: every status and sizing, legs, escapes.
            #expect(Set(orders.map(\.status)).isSuperset(of: [.filled, .cancelled, .rejected, .expired]))
            #expect(Set(orders.map { "\($0.sizing)".prefix(6) }).count == 4)
            #expect(orders.contains { $0.parentId != nil && $0.ocoGroup != nil })
            #expect(orders.contains { $0.reason != nil } && orders.contains { $0.clientOrderId?.contains("\"") == true })
            #expect(orders.contains { $0.filledQuantity == 0 })
            #expect(output.trades.contains { $0.isOpen } || output.trades.contains { !$0.isOpen })
            var configuration = Self.configuration
            configuration.symbols = symbols
            let report = BacktestReport(runId: "run-1", configuration: configuration, output: output, equityCurveLimit: 300)
            let expected = Self.documentBytes(report.jsonMembers(pretty: pretty), pretty: pretty)
            for from in [Int.max, 0, 2, orders.count, orders.count + 1] {
                let document = ResultsDocument(output: output, configuration: configuration, equityCurveLimit: 300, pretty: pretty,
                                               parallelFrom: from) { "run-1" }
                #expect(Self.documentBytes(document.members, pretty: pretty) == expected, "symbols \(symbols.count), parallelFrom \(from)")
                #expect(document.members.map(\.key) == report.jsonMembers(pretty: pretty).map(\.key))
                #expect(document.performanceMetrics == report.performanceMetrics)
            }
        }
    }

    /// Orders handed out while the run runs are final: each equals the run's last word on it,
    /// they come in order and in several chunks, and the list written from them on another
    /// thread is the report's, byte for byte (one symbol: the single-series loop; two: merged).
    @Test(arguments: [1, 2])
    func ordersStreamedWhileRunningAreFinalAndMatch(symbolCount: Int) throws {
        let symbols = Array([Fixtures.btc, Fixtures.eth].prefix(symbolCount))
        let series = symbols.indices.map { Fixtures.regimeWalk(count: 30_000, seed: 11 + UInt64($0)) }
        for pretty in [false, true] {
            let stream = OrderListStream(symbols: symbols, pretty: pretty, expectedOrders: 10)
            stream.start()
            var handedOut: [Order] = []
            var chunks = 0
            let output = BacktestEngine.run(
                strategy: OrderMix(parameters: StrategyParameters(values: [:]), symbolCount: symbols.count), series: series,
                symbols: symbols, timeframe: .oneHour, broker: BrokerConfiguration(initialCash: 50_000), report: nil, shouldStop: nil,
                finalOrders: { slice in
                    handedOut += slice
                    chunks += 1
                    stream.append(slice)
                })
            #expect(handedOut == output.orders)
            #expect(handedOut.map(\.id) == Array(1...output.orders.count))
            #expect(chunks >= 3 * symbolCount)
            var configuration = Self.configuration
            configuration.symbols = symbols
            let report = BacktestReport(runId: "s", configuration: configuration, output: output, equityCurveLimit: 500)
            let document = ResultsDocument(output: output, configuration: configuration, equityCurveLimit: 500, pretty: pretty,
                                           parallelFrom: .max, streamedOrders: stream) { "s" }
            #expect(Self.documentBytes(document.members, pretty: pretty) == Self.documentBytes(report.jsonMembers(pretty: pretty), pretty: pretty))
        }
    }

    /// A streamed document with no orders at all, and with one order and one (open) trade: the
    /// empty lists and the one-trade split are the report's bytes too.
    @Test(arguments: [("TestStrategy", ["threshold": ParameterValue.float(0.99)]), ("BuyAndHold", [:])])
    func streamedShortLists(strategy: String, parameters: [String: ParameterValue]) throws {
        let bars = Fixtures.regimeWalk(count: 20_000)
        var configuration = Self.configuration
        configuration.strategyName = strategy
        configuration.parameters = parameters
        for pretty in [false, true] {
            let stream = OrderListStream(symbols: [Fixtures.btc], pretty: pretty, expectedOrders: 0)
            stream.start()
            let output = try BacktestEngine.run(configuration: configuration, bars: [Fixtures.btc: bars], progress: nil, shouldStop: nil,
                                                validatesBars: true, snapshot: nil, finalOrders: { stream.append($0) })
            #expect(output.orders.count == (strategy == "BuyAndHold" ? 1 : 0) && output.trades.count == output.orders.count)
            let report = BacktestReport(runId: "e", configuration: configuration, output: output, equityCurveLimit: 100)
            let document = ResultsDocument(output: output, configuration: configuration, equityCurveLimit: 100, pretty: pretty,
                                           parallelFrom: .max, streamedOrders: stream) { "e" }
            #expect(Self.documentBytes(document.members, pretty: pretty) == Self.documentBytes(report.jsonMembers(pretty: pretty), pretty: pretty))
        }
    }

    /// Every curve point (no thinning), a stopped run, and timestamps outside years 0–9999.
    @Test func fullCurveAndStoppedRun() throws {
        var output = Self.output(bars: 400)
        output.wasStopped = true
        let report = BacktestReport(runId: "r", configuration: Self.configuration, output: output, equityCurveLimit: nil)
        let document = ResultsDocument(output: output, configuration: Self.configuration, runId: "r", equityCurveLimit: nil, pretty: true)
        #expect(report.status == .stopped && report.equityCurve.count == 400)
        #expect(Self.documentBytes(document.members, pretty: true) == Self.documentBytes(report.jsonMembers(pretty: true), pretty: true))

        for ms: Int64 in [-62_167_219_200_001, -62_167_219_200_000, 253_402_300_799_999, 253_402_300_800_000, 0] {
            var writer = JSONByteWriter(pretty: false)
            writer.timestamp(milliseconds: ms)
            var reference = JSONByteWriter(pretty: false)
            reference.string(ISO8601Timestamp.string(fromMilliseconds: ms))
            #expect(writer.bytes == reference.bytes, "\(ms)")
        }
    }

    /// `runBacktestDocument` is `runBacktest(…).report.jsonMembers` — run id (computed on another
    /// core from 100,000 bars), order list written while the run runs, resolved parameters and all.
    @Test func runBacktestDocumentEqualsTheReportsDocument() throws {
        let bars = Fixtures.regimeWalk(count: 120_000)
        let configuration = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: ["fast_period": .int(5)],
                                                  symbols: [Fixtures.btc], timeframe: .oneHour)
        let report = try runBacktest(configuration: configuration, bars: [Fixtures.btc: bars], equityCurveLimit: 2_000).report
        try #require(report.orders.count >= BacktestReport.parallelOrderCount && bars.count >= ResultsDocument.streamingBarCount)
        let document = try runBacktestDocument(configuration: configuration, bars: [Fixtures.btc: bars], equityCurveLimit: 2_000, pretty: true)
        #expect(Self.documentBytes(document.members, pretty: true) == Self.documentBytes(report.jsonMembers(pretty: true), pretty: true))
        #expect(document.barsProcessed == 120_000)
        #expect(report.config.parameters["slow_period"] == .int(30))

        // Errors are the report path's errors.
        let unknown = BacktestConfiguration(strategyName: "NoSuchStrategy", symbols: [Fixtures.btc], timeframe: .oneHour)
        #expect(throws: TradingError.self) { try runBacktestDocument(configuration: unknown, bars: [Fixtures.btc: bars], pretty: true) }
    }

    /// The literals the writer uses for enum values are their raw values.
    @Test func enumLiteralsAreTheRawValues() {
        for side in Side.allCases { #expect(ResultsDocument.text(side).description == side.rawValue) }
        for type in OrderType.allCases { #expect(ResultsDocument.text(type).description == type.rawValue) }
        for status in OrderStatus.allCases { #expect(ResultsDocument.text(status).description == status.rawValue) }
        for timeInForce in TimeInForce.allCases { #expect(ResultsDocument.text(timeInForce).description == timeInForce.rawValue) }
    }

    /// Timestamps written one after another reuse the date text of the day before only when it
    /// is the same day (the writer's cache).
    @Test func timestampsAcrossDaysAndCenturies() {
        let times: [Int64] = [86_399_999, 86_400_000, 86_400_001, -1, 0, 951_782_400_000, 951_868_799_999, 951_868_800_000,
                              253_402_300_799_999, -62_167_219_200_000, 1_700_000_000_123, 1_700_000_000_123]
        var writer = JSONByteWriter(pretty: false)
        var reference = JSONByteWriter(pretty: false)
        writer.beginArray(); reference.beginArray()
        for ms in times {
            writer.element(); writer.timestamp(milliseconds: ms)
            reference.element(); reference.string(ISO8601Timestamp.slowString(fromMilliseconds: ms))
        }
        writer.endArray(); reference.endArray()
        #expect(writer.bytes == reference.bytes)
    }

    /// The server's one-row-per-order JSON is `JSONEncoder`'s, written directly.
    @Test func recordRowsAreJSONEncodersBytes() throws {
        var configuration = Self.configuration
        configuration.symbols = [Fixtures.btc, Fixtures.eth]
        let output = Self.output(bars: 800, symbols: configuration.symbols)
        var report = BacktestReport(runId: "r", configuration: configuration, output: output)
        try #require(report.orders.count > 50 && report.trades.count > 5)
        report.orders[0].reason = "quote \" slash / tab \t 日本"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for order in report.orders {
            #expect(order.compactJSON == String(decoding: try encoder.encode(order), as: UTF8.self))
        }
        for trade in report.trades {
            #expect(trade.compactJSON == String(decoding: try encoder.encode(trade), as: UTF8.self))
        }
    }

    /// A member's pieces are written in order; trimming and copying keep the bytes.
    @Test func piecesJoinTheirBytes() {
        let piece = JSONPiece(copying: Array("[1,2,3]".utf8))
        #expect(piece.trimmed(leading: 1, trailing: 1).bytes == Array("1,2,3".utf8))
        let member = BacktestReport.JSONMember(key: "k", pieces: [piece.trimmed(leading: 0, trailing: 1), JSONPiece(copying: Array(",4]".utf8))])
        #expect(member.value == Array("[1,2,3,4]".utf8) && member.byteCount == 9)
        #expect(BacktestReport.jsonObject([member], pretty: false) == Array("{\"k\":[1,2,3,4]}".utf8))
    }
}
