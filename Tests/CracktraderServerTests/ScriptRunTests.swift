import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarketData
import PineScript
import Logging
import Synchronization
import Testing
import TradingCore

@Suite("Runs of saved Pine scripts: validation, results against PineProgram, trade list CSV, restart")
struct ScriptRunTests {
    static let start = "2024-01-01T00:00:00Z"
    static let end = "2024-02-01T00:00:00Z"

    static func body(_ name: String, params: [String: Any] = [:], symbols: [String] = ["BTC/USDT"]) -> String {
        jsonBody(["strategy_name": name, "symbols": symbols, "timeframe": "1h", "start_date": start, "end_date": end, "strategy_params": params])
    }

    /// The same script on the same bars, straight through PineProgram.
    static func direct(_ source: String, inputs: [String: String]) throws -> (PineRunResult, [Bar]) {
        let symbol = try TradingSymbol(parsing: "BTC/USDT")
        let bars = try SimExchange.bars(symbol: symbol, timeframe: .oneHour, from: 1_704_067_200_000, to: 1_706_745_600_000)
        let environment = PineEnvironment(ticker: "BTCUSDT", minTick: PineMinTick.infer(bars), quantityStep: 0.000_001,
                                          timeframe: .oneHour, currency: "USDT", baseCurrency: "BTC")
        let program = try PineProgram(source: source, inputs: inputs, environment: environment)
        return (try program.run(bars: bars), bars)
    }

    @Test("a backtest of a script matches PineProgram on the same bars: trades, final value, plots, trade list and CSV")
    func endToEnd() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            try await client.saveScript("Cross", smaCrossScript)
            let started = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("cross", params: ["Fast length": 5]))
            #expect(started.status == .ok, "\(started.text)")
            try await client.waitForStatus(["completed", "failed"])
            let results = try await client.call(.get, "/api/v1/results?max_points=0").object
            #expect(results["status"] as? String == "completed", "\(results["error"] ?? "")")
            let (expected, bars) = try Self.direct(smaCrossScript, inputs: ["fastLength": "5"])
            let stats = try #require(expected.statistics)
            let trades = results["trades"] as? [[String: Any]] ?? []
            #expect(trades.count == expected.closedTrades.count + expected.openTrades.count)
            #expect((results["performance_metrics"] as? [String: Any])?["total_trades"] as? Int == expected.closedTrades.count)
            #expect(results["final_value"] as? Double == stats.equity)
            #expect(results["bars_processed"] as? Int == bars.count)
            let config = results["config"] as? [String: Any] ?? [:]
            #expect(config["strategy_name"] as? String == "Cross")
            #expect(config["initial_cash"] as? Double == 10_000)
            #expect((config["strategy_params"] as? [String: Int]) == ["fastLength": 5, "slowLength": 30])
            #expect((config["script"] as? [String: Any])?["version"] as? Int == 1)
            let script = results["script"] as? [String: Any] ?? [:]
            #expect(script["source"] as? String == smaCrossScript)
            #expect(script["overlay"] as? Bool == true)
            let plots = results["plots"] as? [[String: Any]] ?? []
            #expect(plots.map { $0["title"] as? String } == ["Fast SMA", "Slow SMA"])
            #expect(plots.map { $0["points_total"] as? Int } == [bars.count, bars.count])
            let fastPoints = plots.first?["points"] as? [[Any]] ?? []
            #expect(fastPoints.count == bars.count)
            #expect(fastPoints.first?[1] is NSNull)  // na before the SMA has 5 bars
            #expect(fastPoints.last?[1] as? Double == expected.plots[0].values.last)
            let list = PineTradeList(result: expected, lastBar: bars.last)
            let rows = results["trade_list"] as? [[String: Any]] ?? []
            #expect(rows.count == list.rows.count)
            #expect(rows.first?["signal"] as? String == "Long")
            #expect(rows.dropFirst().first?["signal"] as? String == "Exit")
            // Orders carry the signal names.
            let orders = results["orders"] as? [[String: Any]] ?? []
            #expect(orders.first?["client_order_id"] as? String == "Long")

            let id = try #require(results["run_id"] as? String)
            let csv = try await client.execute(uri: "/api/v1/runs/\(id)/trades.csv", method: .get) { response in
                (response.status, response.headers[.contentType], String(buffer: response.body))
            }
            #expect(csv.0 == .ok)
            #expect(csv.1 == "text/csv; charset=utf-8")
            #expect(csv.2 == list.csv(currency: "USDT"))
            let thinned = try await client.call(.get, "/api/v1/runs/\(id)?max_points=50").object
            let thinnedPlots = thinned["plots"] as? [[String: Any]] ?? []
            #expect(thinnedPlots.map { ($0["points"] as? [Any])?.count } == [50, 50])
            #expect(thinnedPlots.map { $0["points_total"] as? Int } == [bars.count, bars.count])

            // A built-in run has none of the script fields and no trade list.
            let builtIn = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("MovingAverageCross"))
            #expect(builtIn.status == .ok)
            try await client.waitForStatus(["completed"])
            let plain = try await client.call(.get, "/api/v1/results").object
            #expect(plain["script"] == nil && plain["plots"] == nil && plain["trade_list"] == nil)
            let plainID = try #require(plain["run_id"] as? String)
            let noList = try await client.call(.get, "/api/v1/runs/\(plainID)/trades.csv")
            #expect(noList.status == .notFound)
            #expect(noList.errorCode == "NO_TRADE_LIST")
            #expect(try await client.call(.get, "/api/v1/runs/ffffffffffff/trades.csv").errorCode == "RUN_NOT_FOUND")
            #expect(try await client.call(.get, "/api/v1/runs/\(id)/trades.csv?timezone=Nowhere/Else").errorCode == "VALIDATION_ERROR")
        }
    }

    @Test("run errors: compile error 422, bad inputs 400, one symbol, shorting script and mode live refused, unknown strategy lists scripts")
    func errors() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            try await client.saveScript("Broken", brokenSMACrossScript)
            try await client.saveScript("Cross", smaCrossScript)
            try await client.saveScript("Flip", reversalScript)
            let broken = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Broken"))
            #expect(broken.status == .unprocessableContent)
            #expect(broken.text == envelope(
                code: "SCRIPT_COMPILE_ERROR",
                message: "script 'Broken' version 1 does not compile: 1 error (line 5: undeclared identifier 'clsoe'; did you mean 'close'?); fix it before running it",
                details: #"{"diagnostics":[{"column":15,"end_column":20,"line":5,"message":"undeclared identifier 'clsoe'; did you mean 'close'?","severity":"error"}],"script":"Broken","version":1}"#))
            let params = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Cross", params: ["fastLength": 0, "nope": 1]))
            #expect(params.status == .badRequest)
            #expect(params.errorCode == "INVALID_STRATEGY_PARAMS")
            #expect(params.errorDetails["problems"] as? [String] == ["unknown parameter 'nope'", "'fastLength' = 0 is outside 1…200"])
            #expect(params.errorDetails["accepted"] as? [String] == ["fastLength", "slowLength"])
            let wrongType = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Cross", params: ["slowLength": "x"]))
            #expect(wrongType.errorDetails["problems"] as? [String] == ["'slowLength' must be an integer, got x"] || wrongType.errorCode == "INVALID_STRATEGY_PARAMS")
            let two = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Cross", symbols: ["BTC/USDT", "ETH/USDT"]))
            #expect(two.status == .badRequest)
            #expect((two.errorDetails["fields"] as? [String: String])?["symbols"] == "must list exactly one symbol for a Pine script")
            let short = try await client.call(.post, "/api/v1/run/live", json: jsonBody(["strategy_name": "Flip", "symbols": ["BTC/USDT"]]))
            #expect(short.status == .unprocessableContent)
            #expect(short.errorCode == "SHORT_NOT_ALLOWED")
            let live = try await client.call(.post, "/api/v1/run/live", json: jsonBody(["strategy_name": "Cross", "symbols": ["BTC/USDT"], "mode": "live"]))
            // A script may trade on a venue (ScriptSandboxRunTests), but sim offers paper only.
            #expect(live.status == .unprocessableContent)
            #expect(live.errorCode == "MODE_UNAVAILABLE")
            let unknown = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Nope"))
            #expect(unknown.errorCode == "UNKNOWN_STRATEGY")
            #expect((unknown.errorDetails["available"] as? [String])?.suffix(3) == ["Broken", "Cross", "Flip"])
            // Nothing was started by any of these.
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
        }
    }

    @Test("scripts and a script run's source, plots and trade list survive a restart")
    func restart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        fixedClock(&configuration)
        let runID = Mutex<String>("")
        let first = try await buildApplication(configuration: configuration)
        try await first.test(.router) { client in
            try await client.saveScript("Keep", smaCrossScript)
            _ = try await client.call(.put, "/api/v1/scripts/Keep", json: jsonBody(["source": smaCrossScript + "\n// v2\n"]))
            let started = try await client.call(.post, "/api/v1/run/backtest", json: Self.body("Keep"))
            runID.withLock { $0 = started.object["run_id"] as? String ?? "" }
            try await client.waitForStatus(["completed"])
        }
        let second = try await buildApplication(configuration: configuration)
        try await second.test(.router) { client in
            let script = try await client.call(.get, "/api/v1/scripts/keep").object
            #expect(script["version"] as? Int == 2)
            #expect(script["source"] as? String == smaCrossScript + "\n// v2\n")
            let id = runID.withLock { $0 }
            let run = try await client.call(.get, "/api/v1/runs/\(id)").object
            #expect((run["script"] as? [String: Any])?["version"] as? Int == 2)
            #expect((run["plots"] as? [Any])?.count == 2)
            #expect(((run["trade_list"] as? [Any])?.count ?? 0) > 0)
            let strategies = try await client.call(.get, "/api/v1/strategies").object["strategies"] as? [[String: Any]] ?? []
            #expect(strategies.last?["name"] as? String == "Keep")
        }
    }
}
