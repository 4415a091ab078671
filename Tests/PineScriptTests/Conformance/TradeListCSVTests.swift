import Testing
import MarketData
import TradingCore
@testable import PineScript

/// `--trades-csv` writes TradingView's "List of Trades" columns: with the New York time zone the
/// Trade #, Type, Date/Time, Signal, Price and quantity columns equal the real export's text.
@Suite("TradingView trade list CSV")
struct TradeListCSVTests {
    @Test func rsiTradeListMatchesTheExportText() throws {
        guard let source = TradingViewFixtures.text("pine/rsi.pine"), let export = TradingViewFixtures.text("strategy/rsi_trades.csv"),
              let bars = try TradingViewFixtures.bars() else { return }
        let zone: TimeZoneRules
        do {
            zone = try TimeZoneRules(named: "America/New_York")
        } catch {
            print("skipped: no tz database on this machine (\(error.message))")
            return
        }
        let result = try PineProgram(source: source, environment: StrategyConformanceTests.environment).run(bars: bars)
        let csv = PineTradeList(result: result, lastBar: bars.last).csv(currency: "USD") { zone.offsetSeconds(atMilliseconds: $0) }
        let ours = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let theirs = export.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(ours.count == theirs.count)
        #expect(ours.first == theirs.first, "the header")
        var differing = 0
        for (a, b) in zip(ours.dropFirst(), theirs.dropFirst()) where Array(a.prefix(6)) != Array(b.prefix(6)) {
            differing += 1
            if differing <= 3 { Issue.record("ours \(a.prefix(6)) vs TradingView \(b.prefix(6))") }
        }
        #expect(differing == 0)
    }

    @Test func localTimeFormatting() {
        #expect(PineTradeList.localTime(1_641_340_800_000, offsetSeconds: -18_000) == "2022-01-04T19:00:00-0500")
        #expect(PineTradeList.localTime(0, offsetSeconds: 19_800) == "1970-01-01T05:30:00+0530")
        #expect(PineTradeList.localTime(0, offsetSeconds: 0) == "1970-01-01T00:00:00+0000")
    }

    @Test func timeZoneRules() throws {
        #expect(try TimeZoneRules(named: "+05:30").offsetSeconds(atMilliseconds: 0) == 19_800)
        #expect(try TimeZoneRules(named: "-0500").offsetSeconds(atMilliseconds: 0) == -18_000)
        #expect(TimeZoneRules.utc.offsetSeconds(atMilliseconds: 1_700_000_000_000) == 0)
        #expect(throws: TradingError.self) { try TimeZoneRules(named: "Mars/Olympus_Mons") }
        #expect(throws: TradingError.self) { try TimeZoneRules(named: "../etc/passwd") }
        guard let newYork = try? TimeZoneRules(named: "America/New_York") else {
            print("skipped: no tz database on this machine")
            return
        }
        // 2024-03-10 06:59 UTC is 01:59 EST; 07:00 UTC is 03:00 EDT.
        #expect(newYork.offsetSeconds(atMilliseconds: 1_710_053_940_000) == -18_000)
        #expect(newYork.offsetSeconds(atMilliseconds: 1_710_054_000_000) == -14_400)
    }
}
