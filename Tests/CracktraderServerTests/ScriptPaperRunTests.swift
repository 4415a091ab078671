import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MarketData
import PineScript
import Synchronization
import Testing
import TradingCore

/// Enters every 10th bar, exits 5 bars later, one contract, 0.1 % commission, and plots a 20-bar
/// SMA. Its proven lookback is 20 (the SMA's length input), so its warm-up is 20 bars: a multiple
/// of 10, so the same script run straight through warm-up + live bars is flat at the boundary too
/// and its trades from the first live bar on are exactly the paper run's.
let paperCycleScript = """
//@version=5
strategy("Paper Cycle", overlay=true, initial_capital=10000, default_qty_type=strategy.fixed, default_qty_value=1, commission_type=strategy.commission.percent, commission_value=0.1)
len = input.int(20, "Length", minval=1)
basis = ta.sma(close, len)
plot(basis, "Basis")
if bar_index % 10 == 0
    strategy.entry("Long", strategy.long)
if bar_index % 10 == 5
    strategy.close("Long", comment="Exit")
"""

@Suite("Paper runs of saved Pine scripts: warm-up, live bars, results against PineProgram, stop, refusals, restart")
struct ScriptPaperRunTests {
    static let symbol = try! TradingSymbol(parsing: "BTC/USDT")
    static let minute: Int64 = 60_000

    static func body(_ name: String, speed: Double, maxBars: Int? = nil, extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = ["strategy_name": name, "symbols": ["BTC/USDT"], "timeframe": "1m", "mode": "paper", "speed": speed]
        if let maxBars { object["max_bars"] = maxBars }
        for (key, value) in extra { object[key] = value }
        return jsonBody(object)
    }

    /// The script run by PineProgram over `warmUp` sim bars before `firstLive` and `live` bars from it.
    static func direct(_ source: String, firstLive: Int64, warmUp: Int, live: Int) throws -> (PineRunResult, history: [Bar], live: [Bar]) {
        let history = try SimExchange.bars(symbol: symbol, timeframe: .oneMinute, from: firstLive - Int64(warmUp) * minute, to: firstLive)
        let liveBars = try SimExchange.bars(symbol: symbol, timeframe: .oneMinute, from: firstLive, to: firstLive + Int64(live) * minute)
        let environment = PineEnvironment(ticker: "BTCUSDT", minTick: PineMinTick.infer(history), quantityStep: 0.000_001,
                                          timeframe: .oneMinute, currency: "USDT", baseCurrency: "BTC")
        let program = try PineProgram(source: source, environment: environment)
        return (try program.run(bars: history + liveBars), history, liveBars)
    }

    static func millis(_ value: Any?) -> Int64? { (value as? String).flatMap(ISO8601Timestamp.milliseconds(from:)) }

    /// `value` as the test reads the server's JSON: Foundation's JSONSerialization on Linux does not
    /// always parse a double back to the same bits, so expected values take the same way.
    static func json(_ value: Double?) -> Double? {
        guard let value else { return nil }
        let data = try! JSONEncoder().encode([value])
        return ((try! JSONSerialization.jsonObject(with: data)) as? [Any])?.first as? Double
    }

    /// Checks a paper run's results (`/results` or `/runs/{id}`) against the direct run.
    static func expectMatches(_ results: [String: Any], source: String, warmUp: Int) throws {
        let bars = results["bars_processed"] as? Int ?? 0
        let firstLive = try #require(millis(results["data_start"]))
        #expect(millis(results["data_end"]) == firstLive + Int64(bars - 1) * minute)
        let (expected, history, live) = try direct(source, firstLive: firstLive, warmUp: warmUp, live: bars)
        #expect(history.count == warmUp)
        let liveTrades = (expected.closedTrades.map { ($0, false) } + expected.openTrades.map { ($0, true) }).filter { $0.0.entryBarIndex >= warmUp }
        // The runs agree only if the direct run is flat at the boundary (true for this script).
        #expect(expected.closedTrades.allSatisfy { $0.entryBarIndex >= warmUp || ($0.exitBarIndex ?? 0) < warmUp })

        let trades = results["trades"] as? [[String: Any]] ?? []
        #expect(trades.count == liveTrades.count)
        for (record, (trade, isOpen)) in zip(trades, liveTrades) {
            #expect(record["status"] as? String == (isOpen ? "open" : "closed"))
            #expect(record["entry_price"] as? Double == json(trade.entryPrice))
            #expect(millis(record["entry_time"]) == trade.entryTime)
            #expect(record["quantity"] as? Double == trade.signedQuantity)
            if !isOpen {
                #expect(record["exit_price"] as? Double == json(trade.exitPrice))
                #expect(millis(record["exit_time"]) == trade.exitTime)
                #expect(record["pnl"] as? Double == json(trade.profit))
            }
        }
        // One fill (and one order) per entry and per exit, in time order.
        var wanted: [(side: String, price: Double, time: Int64, id: String)] = []
        for (trade, isOpen) in liveTrades {
            wanted.append(("buy", trade.entryPrice, trade.entryTime, trade.entryId))
            if !isOpen, let price = trade.exitPrice, let time = trade.exitTime { wanted.append(("sell", price, time, trade.exitId ?? "")) }
        }
        let fills = results["fills"] as? [[String: Any]] ?? []
        let orders = results["orders"] as? [[String: Any]] ?? []
        #expect(fills.count == wanted.count)
        #expect(orders.count == wanted.count)
        for (index, (fill, want)) in zip(fills, wanted).enumerated() {
            #expect(fill["id"] as? Int == index + 1)
            #expect(fill["order_id"] as? Int == index + 1)
            #expect(fill["side"] as? String == want.side)
            #expect(fill["price"] as? Double == json(want.price))
            #expect(fill["quantity"] as? Double == 1)
            #expect(millis(fill["time"]) == want.time)
            #expect(fill["client_order_id"] as? String == want.id)
        }
        for (order, want) in zip(orders, wanted) {
            #expect(order["status"] as? String == "filled")
            #expect(order["average_fill_price"] as? Double == json(want.price))
        }
        // Fees: entry commission on the entry fill, the rest on the exit fill.
        let closed = liveTrades.filter { !$0.1 }.map(\.0)
        for (offset, trade) in closed.enumerated() where 2 * offset + 1 < fills.count {
            let paid = (fills[2 * offset]["fee"] as? Double ?? 0) + (fills[2 * offset + 1]["fee"] as? Double ?? 0)
            #expect(abs(paid - trade.commission) < 1e-9)
        }

        // The plot over the live bars is the direct run's from the first live bar on: already a
        // number on the first live bar, thanks to the warm-up.
        let plots = results["plots"] as? [[String: Any]] ?? []
        #expect(plots.map { $0["title"] as? String } == ["Basis"])
        #expect(plots.first?["points_total"] as? Int == bars)
        let points = plots.first?["points"] as? [[Any]] ?? []
        let values = Array(expected.plots[0].values[warmUp...])
        #expect(points.count == bars)
        #expect(points.map { ($0.first as? NSNumber)?.int64Value } == live.map(\.openTime))
        #expect(points.map { $0.last as? Double } == values.map { json($0) })

        // Equity starts flat at the initial capital: the paper run's profit is the live trades'.
        var realized = 0.0
        for trade in closed { realized += trade.profit }
        let open = liveTrades.filter(\.1).reduce(0) { $0 + $1.0.profit }
        let final = try #require(results["final_value"] as? Double)
        #expect(abs(final - (10_000 + realized + open)) < 1e-6)
        #expect((results["performance_metrics"] as? [String: Any])?["total_trades"] as? Int == closed.count)
        let list = results["trade_list"] as? [[String: Any]] ?? []
        #expect(list.count == closed.count * 2 + liveTrades.filter(\.1).count * 2)
        #expect(list.first?["signal"] as? String == "Long")
    }

    @Test("a paper run of a script on sim warms up, trades live bars and completes at max_bars, exactly as PineProgram does")
    func completes() async throws {
        try await withTestApplication { client in
            try await client.saveScript("Cycle", paperCycleScript)
            let started = try await client.call(.post, "/api/v1/run/live", json: Self.body("Cycle", speed: 100_000, maxBars: 40))
            #expect(started.status == .ok, "\(started.text)")
            try await client.waitForStatus(["completed", "failed", "stopped"])
            let results = try await client.call(.get, "/api/v1/results?max_points=0").object
            #expect(results["status"] as? String == "completed", "\(results["error"] ?? "")")
            #expect(results["mode"] as? String == "paper")
            #expect(results["bars_processed"] as? Int == 40)
            #expect((results["script"] as? [String: Any])?["source"] as? String == paperCycleScript)
            try Self.expectMatches(results, source: paperCycleScript, warmUp: 20)

            // Hand check of the first trade: the entry placed on the first live bar (bar_index 20)
            // fills at the next bar's open; the close placed on bar_index 25 fills at bar 26's open.
            let firstLive = try #require(Self.millis(results["data_start"]))
            let live = try SimExchange.bars(symbol: Self.symbol, timeframe: .oneMinute, from: firstLive, to: firstLive + 40 * Self.minute)
            let trade = try #require((results["trades"] as? [[String: Any]])?.first)
            #expect(trade["entry_price"] as? Double == Self.json(live[1].open))
            #expect(Self.millis(trade["entry_time"]) == live[1].openTime)
            #expect(trade["exit_price"] as? Double == Self.json(live[6].open))
            #expect(Self.millis(trade["exit_time"]) == live[6].openTime)
            let fees = (live[1].open + live[6].open) * 0.001
            #expect(abs((trade["pnl"] as? Double ?? 0) - (live[6].open - live[1].open - fees)) < 1e-9)
            // 40 live bars: entries at 21, 31, 41, 51; exits at 26, 36, 46, 56 (bar indices).
            #expect((results["trades"] as? [Any])?.count == 4)

            // The stored run says the same.
            let id = try #require(results["run_id"] as? String)
            let stored = try await client.call(.get, "/api/v1/runs/\(id)?max_points=0").object
            #expect(stored["status"] as? String == "completed")
            try Self.expectMatches(stored, source: paperCycleScript, warmUp: 20)
        }
    }

    @Test("max_bars_back sets the warm-up, and the strategy starts flat at the first live bar")
    func warmUpStartsFlat() async throws {
        let source = paperCycleScript.replacingOccurrences(of: "commission_value=0.1)", with: "commission_value=0.1, max_bars_back=25)")
        #expect(PineWarmUp.of(source: source) == PineWarmUp(bars: 25, basis: .maxBarsBack))
        #expect(PineWarmUp.of(source: paperCycleScript) == PineWarmUp(bars: 20, basis: .lookback))
        try await withTestApplication { client in
            try await client.saveScript("Cycle25", source)
            let started = try await client.call(.post, "/api/v1/run/live", json: Self.body("Cycle25", speed: 100_000, maxBars: 11))
            #expect(started.status == .ok, "\(started.text)")
            try await client.waitForStatus(["completed", "failed", "stopped"])
            let results = try await client.call(.get, "/api/v1/results?max_points=0").object
            #expect(results["status"] as? String == "completed", "\(results["error"] ?? "")")
            let firstLive = try #require(Self.millis(results["data_start"]))
            let (direct, _, live) = try Self.direct(source, firstLive: firstLive, warmUp: 25, live: 11)
            // Straight through, the entry placed on bar 20 (warm-up) fills on bar 21 and is
            // closed on bar 26 (live): that trade is history, not the paper run's.
            #expect(direct.closedTrades.first { $0.entryBarIndex == 21 }?.exitBarIndex == 26)
            // The paper run's first entry is placed on bar 30 (live bar 5) and fills on bar 31; its
            // close, placed on bar 35 (the last live bar), has not filled.
            let trades = results["trades"] as? [[String: Any]] ?? []
            #expect(trades.count == 1)
            #expect(trades.first?["status"] as? String == "open")
            #expect(trades.first?["entry_price"] as? Double == Self.json(live[6].open))
            #expect(Self.millis(trades.first?["entry_time"]) == live[6].openTime)
            let fills = results["fills"] as? [[String: Any]] ?? []
            #expect(fills.count == 1)
            #expect(fills.first?["side"] as? String == "buy")
            let positions = results["positions"] as? [[String: Any]] ?? []
            #expect(positions.first?["quantity"] as? Double == 1)
            // The plot is the straight run's from the first live bar on.
            let points = (results["plots"] as? [[String: Any]])?.first?["points"] as? [[Any]] ?? []
            #expect(points.map { $0.last as? Double } == Array(direct.plots[0].values[25...]).map { Self.json($0) })
        }
    }

    @Test("stop mid-run: stopped, with the orders and fills committed so far")
    func stopMidRun() async throws {
        try await withTestApplication { client in
            try await client.saveScript("Cycle", paperCycleScript)
            // A 1m bar every 30 ms.
            let started = try await client.call(.post, "/api/v1/run/live", json: Self.body("Cycle", speed: 2_000))
            #expect(started.status == .ok, "\(started.text)")
            let deadline = ContinuousClock.now + .seconds(30)
            while (try await client.call(.get, "/api/v1/status").object["bars_processed"] as? Int ?? 0) < 8 {
                if ContinuousClock.now > deadline { throw TestFailure("the paper run made no progress") }
                try await Task.sleep(for: .milliseconds(5))
            }
            let stop = try await client.call(.post, "/api/v1/run/stop")
            #expect(stop.status == .ok)
            try await client.waitForStatus(["stopped", "completed", "failed"])
            let results = try await client.call(.get, "/api/v1/results?max_points=0").object
            #expect(results["status"] as? String == "stopped", "\(results["error"] ?? "")")
            let bars = results["bars_processed"] as? Int ?? 0
            #expect(bars >= 8)
            try Self.expectMatches(results, source: paperCycleScript, warmUp: 20)
            // At least the first round trip (bars 21 → 26) happened, and the database has every fill.
            let fills = results["fills"] as? [[String: Any]] ?? []
            #expect(fills.count >= 2)
            let id = try #require(results["run_id"] as? String)
            let stored = try await client.call(.get, "/api/v1/runs/\(id)?max_points=0").object
            #expect(stored["status"] as? String == "stopped")
            #expect((stored["fills"] as? [[String: Any]])?.count == fills.count)
            #expect(((stored["fills"] as? [[String: Any]]) ?? []).map { $0["price"] as? Double } == fills.map { $0["price"] as? Double })
            #expect(stored["bars_processed"] as? Int == bars)
            try Self.expectMatches(stored, source: paperCycleScript, warmUp: 20)
        }
    }

    @Test("refusals: a shorting script on a paper run")
    func refusals() async throws {
        try await withTestApplication { client in
            try await client.saveScript("Flip", reversalScript)
            try await client.saveScript("Cycle", paperCycleScript)
            let short = try await client.call(.post, "/api/v1/run/live", json: Self.body("Flip", speed: 60))
            #expect(short.status == .unprocessableContent)
            #expect(short.text == envelope(
                code: "SHORT_NOT_ALLOWED",
                message: "script 'Flip' can open a short position (it uses strategy.short), and sim is a simulated spot market; add strategy.risk.allow_entry_in(strategy.direction.long) or run it as a backtest",
                details: #"{"exchange":"sim","script":"Flip"}"#))
            // Sandbox and live runs of scripts are covered with a venue in ScriptSandboxRunTests.
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
        }
    }

    @Test("a script paper run survives a restart with its script source, plots, trades and fills")
    func restart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        let before = Mutex<String>("")
        let first = try await buildApplication(configuration: configuration)
        try await first.test(.router) { client in
            try await client.saveScript("Cycle", paperCycleScript)
            let started = try await client.call(.post, "/api/v1/run/live", json: Self.body("Cycle", speed: 100_000, maxBars: 30))
            #expect(started.status == .ok, "\(started.text)")
            try await client.waitForStatus(["completed", "failed", "stopped"])
            let id = started.object["run_id"] as? String ?? ""
            before.withLock { $0 = id }
        }
        let second = try await buildApplication(configuration: configuration)
        try await second.test(.router) { client in
            let id = before.withLock { $0 }
            let run = try await client.call(.get, "/api/v1/runs/\(id)?max_points=0").object
            #expect(run["status"] as? String == "completed")
            #expect(run["mode"] as? String == "paper")
            let script = run["script"] as? [String: Any] ?? [:]
            #expect(script["name"] as? String == "Cycle")
            #expect(script["version"] as? Int == 1)
            #expect(script["source"] as? String == paperCycleScript)
            #expect((run["config"] as? [String: Any])?["max_bars"] as? Int == 30)
            try Self.expectMatches(run, source: paperCycleScript, warmUp: 20)
            let csv = try await client.call(.get, "/api/v1/runs/\(id)/trades.csv")
            #expect(csv.status == .ok)
            #expect(csv.text.hasPrefix("Trade #"))
        }
    }
}
