#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import TradingCore

/// The hand-written document encoder must give exactly `JSONEncoder`'s bytes.
@Suite("Result document writer")
struct ReportJSONWriterTests {
    static func encoderBytes<T: Encodable>(_ value: T, pretty: Bool) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func written(_ report: BacktestReport, pretty: Bool) -> [UInt8] {
        BacktestReport.jsonObject(report.jsonMembers(pretty: pretty), pretty: pretty)
    }

    @Test(arguments: [false, true])
    func matchesJSONEncoderOnRealRuns(pretty: Bool) throws {
        let bars = Fixtures.regimeWalk(count: 3_000)
        for strategy in ["MovingAverageCross", "MeanReversion", "Breakout", "BollingerReversion", "BuyAndHold"] {
            let config = BacktestConfiguration(strategyName: strategy, symbols: [Fixtures.btc], timeframe: .oneHour, slippageBps: 3)
            let report = try runBacktest(configuration: config, bars: [Fixtures.btc: bars], equityCurveLimit: 500).report
            #expect(!report.orders.isEmpty)
            #expect(Self.written(report, pretty: pretty) == (try Self.encoderBytes(report, pretty: pretty)), "\(strategy)")
            #expect(report.jsonData(pretty: pretty) == (try Self.encoderBytes(report, pretty: pretty)))
        }
    }

    /// Long order lists are written by two threads and joined (`ResultsDocument`); the bytes
    /// must be one writer's — `JSONEncoder`'s.
    @Test(arguments: [false, true])
    func ordersWrittenByTwoThreadsJoinExactly(pretty: Bool) throws {
        let bars = Fixtures.regimeWalk(count: 3_000)
        let config = BacktestConfiguration(strategyName: "MovingAverageCross", symbols: [Fixtures.btc], timeframe: .oneHour)
        let result = try runBacktest(configuration: config, bars: [Fixtures.btc: bars], equityCurveLimit: 200)
        var output = result.output
        let expected = try Self.encoderBytes(result.report, pretty: pretty)
        try #require(output.orders.count >= 4)
        func written(_ output: EngineOutput, parallelFrom: Int) -> [UInt8] {
            let document = ResultsDocument(output: output, configuration: result.report.config, equityCurveLimit: 200, pretty: pretty,
                                           parallelFrom: parallelFrom) { result.report.runId }
            return BacktestReport.jsonObject(document.members, pretty: pretty)
        }
        for from in [0, 2, 3, output.orders.count, output.orders.count + 1] {
            #expect(written(output, parallelFrom: from) == expected, "parallelFrom \(from)")
        }
        // The smallest split (one order each side) and no trades at all.
        output.broker.orders = Array(output.orders.prefix(2))
        output.broker.trades = []
        let short = BacktestReport(runId: result.report.runId, configuration: result.report.config, output: output, equityCurveLimit: 200)
        #expect(written(output, parallelFrom: 0) == (try Self.encoderBytes(short, pretty: pretty)))
        // The real threshold is above what a short run has: one writer there.
        #expect(BacktestReport.parallelOrderCount > 1_000)
    }

    @Test(arguments: [false, true])
    func matchesJSONEncoderOnEdgeCases(pretty: Bool) throws {
        let bars = Fixtures.regimeWalk(count: 400)
        let config = BacktestConfiguration(strategyName: "MovingAverageCross", parameters: ["fast_period": .int(3), "slow_period": .int(9)],
                                           symbols: [Fixtures.btc], timeframe: .oneHour)
        var report = try runBacktest(configuration: config, bars: [Fixtures.btc: bars]).report
        try #require(report.orders.count >= 2 && report.trades.count >= 1 && report.equityCurve.count >= 4)
        report.orders[0].reason = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} unit \u{1F} é 日本 🚀"
        report.orders[0].clientOrderId = "id/\u{08}\u{0C}"
        report.orders[1].averageFillPrice = nil
        report.orders[1].fees = -0.0
        report.orders[1].ocoGroup = 7
        report.orders[1].parentId = -3
        report.trades[0].exitPrice = nil
        report.trades[0].exitTime = nil
        report.trades[0].pnl = 1e-7
        report.trades[0].fees = 1e16
        report.equityCurve[0].value = -0.0
        report.equityCurve[1].value = 123_456_789_012_345_678
        report.equityCurve[2].cash = 5e-324
        report.equityCurve[3].pnl = -999_999_999_999_999
        report.error = "failed: \"x\""
        report.positions = []
        #expect(Self.written(report, pretty: pretty) == (try Self.encoderBytes(report, pretty: pretty)))

        let failed = BacktestReport.failed(runId: "0123456789abcdef", configuration: config,
                                           error: TradingError(code: .invalidData, message: "bad\tdata"))
        #expect(Self.written(failed, pretty: pretty) == (try Self.encoderBytes(failed, pretty: pretty)))
    }

    @Test func writerNumbersAndStrings() throws {
        let doubles: [Double] = [0, -0.0, 1, -1, 0.1, 1e-5, 1e15, 1e16, 999_999_999_999_999, 4_503_599_627_370_496, 1.5e300, -2.5e-300, 12345.678]
        for pretty in [false, true] {
            var writer = JSONByteWriter(pretty: pretty)
            writer.beginArray()
            for value in doubles { writer.element(); writer.number(value) }
            for value in [0, -1, Int.max, Int.min] { writer.element(); writer.int(value) }
            writer.element(); writer.beginArray(); writer.endArray()
            writer.element(); writer.beginObject(); writer.endObject()
            writer.endArray()
            let expected: [JSONValueForTest] = doubles.map { .double($0) } + [0, -1, Int.max, Int.min].map { .int($0) } + [.array([]), .object([:])]
            #expect(writer.bytes == (try Self.encoderBytes(expected, pretty: pretty)))
        }
    }

    @Test("appendCopy repeats bytes already in the buffer, also when that makes the buffer grow")
    func bufferAppendCopy() {
        let buffer = JSONByteBuffer(capacity: 64)
        let text = Array("0.1683375996468086|".utf8)
        text.withUnsafeBufferPointer { buffer.append($0) }
        // Fill to exactly the capacity, so the copy below must grow the storage first.
        for _ in buffer.count..<64 { buffer.append(UInt8(ascii: "x")) }
        buffer.appendCopy(of: 0..<18)
        buffer.appendCopy(of: 5..<5)
        #expect(buffer.count == 64 + 18)
        #expect(buffer.array() == text + Array(repeating: UInt8(ascii: "x"), count: 64 - text.count) + Array("0.1683375996468086".utf8))
    }

    @Test func timestampsMatchTheGeneralForm() {
        for ms: Int64 in [0, -1, 1, 951_782_400_000, 1_700_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000,
                          -62_167_219_200_001, 9_000_000_000_000_000, -9_000_000_000_000_000] {
            #expect(ISO8601Timestamp.string(fromMilliseconds: ms) == ISO8601Timestamp.slowString(fromMilliseconds: ms), "\(ms)")
            var writer = JSONByteWriter(pretty: false)
            writer.timestamp(milliseconds: ms)
            #expect(writer.bytes == Array(("\"" + ISO8601Timestamp.slowString(fromMilliseconds: ms) + "\"").utf8))
        }
    }

    @Test func orderListHashIsTheHashOfTheCanonicalLines() throws {
        let bars = Fixtures.regimeWalk(count: 2_000)
        let config = BacktestConfiguration(strategyName: "MeanReversion", symbols: [Fixtures.btc], timeframe: .oneHour)
        let output = try BacktestEngine.run(configuration: config, bars: [Fixtures.btc: bars])
        try #require(output.orders.count > 4)
        var hasher = FNV1a()
        for order in output.orders {
            hasher.combine(order.canonicalText)
            hasher.combine(10)
        }
        #expect(Order.listHash(output.orders) == hasher.hex)
    }
}

/// A tiny heterogeneous JSON value for building `JSONEncoder` references.
enum JSONValueForTest: Encodable {
    case double(Double)
    case int(Int)
    case array([JSONValueForTest])
    case object([String: JSONValueForTest])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .double(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }
}
