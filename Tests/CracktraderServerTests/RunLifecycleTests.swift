import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("Run lifecycle: /run/*, /status, /results")
struct RunLifecycleTests {
    static let statusKeys: Set<String> = [
        "run_id", "status", "mode", "strategy_name", "symbols", "timeframe", "exchange", "start_time", "end_time",
        "runtime_seconds", "cash", "value", "pnl", "trade_count", "error", "progress", "bars_processed", "total_bars",
    ]
    static let resultKeys: Set<String> = [
        "run_id", "mode", "config", "status", "start_time", "end_time", "data_start", "data_end", "orders", "trades", "fills",
        "positions", "equity_curve", "equity_points_total", "performance_metrics", "final_value", "error", "bars_processed",
    ]

    @Test("idle: /status has every field (nulls included); /results is 404 NO_RESULTS")
    func idle() async throws {
        try await withTestApplication { client in
            let status = try await client.call(.get, "/api/v1/status")
            #expect(status.status == .ok)
            #expect(Set(status.object.keys) == Self.statusKeys)
            #expect(status.object["status"] as? String == "idle")
            #expect(status.object["run_id"] is NSNull)
            #expect(status.object["error"] is NSNull)
            #expect(status.object["end_time"] is NSNull)
            let results = try await client.call(.get, "/api/v1/results")
            #expect(results.status == .notFound)
            #expect(results.errorCode == "NO_RESULTS")
        }
    }

    @Test("a minimal backtest gets the defaults, completes, and reports every contract field")
    func minimalBacktest() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let start = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            #expect(start.status == .ok)
            #expect(Set(start.object.keys) == ["run_id", "status", "message"])
            let runID = try #require(start.object["run_id"] as? String)
            #expect(runID.count == 12 && runID.allSatisfy(\.isHexDigit))
            #expect(["starting", "running", "completed"].contains(start.object["status"] as? String))
            #expect(start.object["message"] as? String == "backtest started")

            let status = try await client.waitForStatus(["completed"])
            #expect(Set(status.keys) == Self.statusKeys)
            #expect(status["run_id"] as? String == runID)
            #expect(status["mode"] as? String == "backtest")
            #expect(status["progress"] as? Double == 1)
            #expect(status["bars_processed"] as? Int == 2_160)
            #expect(status["total_bars"] as? Int == 2_160)
            #expect(status["error"] is NSNull)
            #expect(status["end_time"] is String)

            let results = try await client.call(.get, "/api/v1/results")
            #expect(results.status == .ok)
            let body = results.object
            #expect(Set(body.keys) == Self.resultKeys)
            #expect(body["status"] as? String == "completed")
            let config = try #require(body["config"] as? [String: Any])
            #expect(config["timeframe"] as? String == "1h")
            #expect(config["initial_cash"] as? Double == 10_000)
            #expect(config["exchange"] as? String == "sim")
            // The last 90 days, ending at "now" floored to the hour.
            #expect(config["end_date"] as? String == "2024-03-01T00:00:00.000Z")
            #expect(config["start_date"] as? String == "2023-12-02T00:00:00.000Z")
            #expect((config["strategy_params"] as? [String: Any])?["fast_period"] as? Int == 10)
            #expect(body["data_start"] as? String == "2023-12-02T00:00:00.000Z")
            #expect(body["data_end"] as? String == "2024-02-29T23:00:00.000Z")
            let metrics = try #require(body["performance_metrics"] as? [String: Any])
            for key in ["total_return", "sharpe_ratio", "max_drawdown", "win_rate", "total_trades"] {
                #expect(metrics.keys.contains(key), "performance_metrics lacks \(key)")
            }
            let curve = try #require(body["equity_curve"] as? [[String: Any]])
            #expect(curve.count == 2_000)
            #expect(body["equity_points_total"] as? Int == 2_160)
            #expect(Set(curve[0].keys) == ["timestamp", "value", "cash", "pnl"])
            #expect(curve.first?["timestamp"] as? String == "2023-12-02T00:00:00.000Z")
            #expect(curve.last?["timestamp"] as? String == "2024-02-29T23:00:00.000Z")
            #expect(!(body["orders"] as? [Any] ?? []).isEmpty)

            let full = try await client.call(.get, "/api/v1/results?max_points=0").object
            #expect((full["equity_curve"] as? [Any])?.count == 2_160)
            let small = try await client.call(.get, "/api/v1/results?max_points=50").object
            #expect((small["equity_curve"] as? [Any])?.count == 50)
            let bad = try await client.call(.get, "/api/v1/results?max_points=-1")
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "VALIDATION_ERROR")

            let detailed = try await client.call(.get, "/api/v1/status/detailed").object
            #expect(Self.statusKeys.isSubset(of: Set(detailed.keys)))
            for key in ["recent_orders", "recent_trades", "positions", "equity_curve", "performance_metrics", "health"] {
                #expect(detailed.keys.contains(key), "/status/detailed lacks \(key)")
            }

            // Reset: back to idle, results gone.
            let reset = try await client.call(.delete, "/api/v1/run/reset")
            #expect(reset.status == .ok)
            #expect(reset.object["status"] as? String == "idle")
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
            #expect(try await client.call(.get, "/api/v1/results").errorCode == "NO_RESULTS")
        }
    }

    @Test("validation errors: each code in the envelope with useful details")
    func validation() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            func post(_ body: String, live: Bool = false) async throws -> JSONReply {
                try await client.call(.post, live ? "/api/v1/run/live" : "/api/v1/run/backtest", json: body)
            }
            let missing = try await post(#"{"symbols":"BTC/USDT","initial_cash":-5}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == "VALIDATION_ERROR")
            let fields = try #require(missing.errorDetails["fields"] as? [String: String])
            #expect(fields["strategy_name"] == "is required")
            #expect(fields["symbols"] == "must be an array of strings")
            #expect(fields["initial_cash"] == "must be greater than 0")

            let unknown = try await post(#"{"strategy_name":"Nope","symbols":["BTC/USDT"]}"#)
            #expect(unknown.errorCode == "UNKNOWN_STRATEGY")
            #expect((unknown.errorDetails["available"] as? [String])?.contains("MovingAverageCross") == true)

            let params = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"strategy_params":{"fast_period":50,"slow_period":10}}"#)
            #expect(params.errorCode == "INVALID_STRATEGY_PARAMS")

            let symbol = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTCUSDT"]}"#)
            #expect(symbol.errorCode == "INVALID_SYMBOL")

            let timeframe = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"timeframe":"7m"}"#)
            #expect(timeframe.errorCode == "INVALID_TIMEFRAME")

            let exchange = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"exchange":"mtgox"}"#)
            #expect(exchange.errorCode == "UNKNOWN_EXCHANGE")
            #expect((exchange.errorDetails["available"] as? [String])?.first == "sim")

            let range = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"start_date":"2024-02-01T00:00:00Z","end_date":"2024-01-01T00:00:00Z"}"#)
            #expect(range.errorCode == "INVALID_DATE_RANGE")
            let future = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"start_date":"2030-01-01"}"#)
            #expect(future.errorCode == "INVALID_DATE_RANGE")
            let badDate = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"start_date":"yesterday"}"#)
            #expect(badDate.errorCode == "VALIDATION_ERROR")

            // A valid live request (limit and keys given) on a server that cannot reach venues
            // (no HTTP client, like --offline); the other live checks are in SecretsTests, live
            // runs against a local venue in SandboxRunTests.
            let live = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"binance","max_order_notional":100,"exchange_config":{"apiKey":"a","secret":"b"}}"#, live: true)
            #expect(live.status == .unprocessableContent)
            #expect(live.errorCode == "DATA_UNAVAILABLE")
            #expect(live.errorDetails["exchange"] as? String == "binance")
            // Paper on a venue needs its live candles; a server without downloads (--offline) says so.
            let offlinePaper = try await post(#"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"paper","exchange":"binance"}"#, live: true)
            #expect(offlinePaper.status == .unprocessableContent)
            #expect(offlinePaper.errorCode == "DATA_UNAVAILABLE")
            #expect(offlinePaper.errorDetails["exchange"] as? String == "binance")

            let notJSON = try await client.call(.post, "/api/v1/run/backtest", json: "[1,2]")
            #expect(notJSON.errorCode == "INVALID_JSON")

            // Nothing was started by any of these.
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
        }
    }

    @Test("twenty concurrent starts: exactly one wins, the others get 409 RUN_ALREADY_ACTIVE naming it")
    func concurrentStarts() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let replies = try await withThrowingTaskGroup(of: JSONReply.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.call(.post, "/api/v1/run/live", json: slowPaperRun) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = replies.filter { $0.status == .ok }
            let losers = replies.filter { $0.status == .conflict }
            #expect(winners.count == 1)
            #expect(losers.count == 19)
            let winner = try #require(winners.first?.object["run_id"] as? String)
            for loser in losers {
                #expect(loser.errorCode == "RUN_ALREADY_ACTIVE")
                #expect(loser.errorDetails["active_run_id"] as? String == winner)
            }
            // Reset is refused while it runs; stop is quick and idempotent.
            try await client.waitForStatus(["running"])
            let reset = try await client.call(.delete, "/api/v1/run/reset")
            #expect(reset.status == .conflict)
            #expect(reset.errorCode == "RUN_ACTIVE")
            // Stop answers at once with `stopping` (it does not wait for the run to wind down);
            // how fast is a benchmark's business (BuildTools/bench-api.sh), not a timed test's:
            // on a loaded 2-core machine the status write it makes can queue behind a paper run's
            // per-bar commits.
            let stop = try await client.call(.post, "/api/v1/run/stop")
            #expect(stop.status == .ok)
            #expect(stop.object["run_id"] as? String == winner)
            #expect(["stopping", "stopped"].contains(stop.object["status"] as? String))
            let stopped = try await client.waitForStatus(["stopped"], timeout: .seconds(10))
            #expect(stopped["run_id"] as? String == winner)
            let again = try await client.call(.post, "/api/v1/run/stop")
            #expect(again.status == .ok)
            #expect(again.object["status"] as? String == "stopped")
            #expect(try await client.call(.delete, "/api/v1/run/reset").status == .ok)
        }
    }

    @Test("paper run: live progress, exchange_config secrets masked everywhere")
    func paperRunMasksSecrets() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let body = #"""
                {"strategy_name":"MovingAverageCross","strategy_params":{"fast_period":2,"slow_period":3},"symbols":["BTC/USDT"],
                 "timeframe":"1m","mode":"paper","speed":6000,"max_bars":20,
                 "exchange_config":{"apiKey":"AK-123","secret":"S3CR3T","password":"pw","sandbox":false,"rateLimit":50}}
                """#
            let start = try await client.call(.post, "/api/v1/run/live", json: body)
            #expect(start.status == .ok)
            #expect(start.object["message"] as? String == "paper run started")
            let status = try await client.waitForStatus(["completed"], timeout: .seconds(30))
            #expect(status["mode"] as? String == "paper")
            #expect(status["bars_processed"] as? Int == 20)
            let results = try await client.call(.get, "/api/v1/results?max_points=0")
            #expect(!results.text.contains("AK-123") && !results.text.contains("S3CR3T") && !results.text.contains("\"pw\""))
            let config = try #require(results.object["config"] as? [String: Any])
            let exchangeConfig = try #require(config["exchange_config"] as? [String: Any])
            #expect(exchangeConfig["apiKey"] as? String == "***")
            #expect(exchangeConfig["secret"] as? String == "***")
            #expect(exchangeConfig["password"] as? String == "***")
            #expect(exchangeConfig["rateLimit"] as? Int == 50)
            #expect((results.object["equity_curve"] as? [Any])?.count == 20)
            let runID = try #require(status["run_id"] as? String)
            let stored = try await client.call(.get, "/api/v1/runs/\(runID)")
            #expect(stored.status == .ok)
            #expect(!stored.text.contains("S3CR3T"))
        }
    }

    @Test("a paper run stopped mid-way ends stopped, with what it did saved")
    func paperStopMidway() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let body = #"{"strategy_name":"MovingAverageCross","strategy_params":{"fast_period":2,"slow_period":3},"symbols":["BTC/USDT"],"mode":"paper","speed":360000}"#
            let runID = try #require(try await client.call(.post, "/api/v1/run/live", json: body).object["run_id"] as? String)
            let deadline = ContinuousClock.now + .seconds(20)
            while (try await client.call(.get, "/api/v1/status").object["bars_processed"] as? Int ?? 0) < 5 {
                guard ContinuousClock.now < deadline else { throw TestFailure("no bars arrived") }
                try await Task.sleep(for: .milliseconds(10))
            }
            let stop = try await client.call(.post, "/api/v1/run/stop")
            #expect(stop.object["status"] as? String == "stopping")
            let status = try await client.waitForStatus(["stopped", "failed"], timeout: .seconds(2))
            #expect(status["status"] as? String == "stopped")
            #expect(status["error"] is NSNull)
            let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
            #expect(stored["status"] as? String == "stopped")
            #expect((stored["equity_curve"] as? [Any])?.count ?? 0 >= 5)
        }
    }

    @Test("runs are stored: listed, fetched and deleted; they survive a restart; a run left running becomes failed/interrupted")
    func persistence() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var configuration = ServerConfiguration(port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        fixedClock(&configuration)
        let first = try await buildApplication(configuration: configuration)
        let (completedID, interruptedID) = try await first.test(.router) { client in
            let start = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            let completedID = start.object["run_id"] as? String ?? ""
            try await client.waitForStatus(["completed"])
            // A second run left running when "the process dies".
            #expect(try await client.call(.delete, "/api/v1/run/reset").status == .ok)
            let paper = try await client.call(.post, "/api/v1/run/live", json: slowPaperRun)
            let interruptedID = paper.object["run_id"] as? String ?? ""
            try await client.waitForStatus(["running"])
            return (completedID, interruptedID)
        }
        let second = try await buildApplication(configuration: configuration)
        try await second.test(.router) { client in
            let list = try await client.call(.get, "/api/v1/runs")
            #expect(list.status == .ok)
            #expect(list.object["total"] as? Int == 2)
            let runs = try #require(list.object["runs"] as? [[String: Any]])
            #expect(runs.map { $0["run_id"] as? String } == [interruptedID, completedID])
            #expect(runs[1]["status"] as? String == "completed")
            #expect(runs[1]["symbols"] as? [String] == ["BTC/USDT"])
            #expect(runs[1]["total_return"] is Double)
            #expect(runs[0]["status"] as? String == "failed")
            #expect(runs[0]["error"] as? String == "interrupted")

            let stored = try await client.call(.get, "/api/v1/runs/\(completedID)?max_points=0")
            #expect(stored.status == .ok)
            #expect(Set(stored.object.keys) == Self.resultKeys)
            #expect((stored.object["equity_curve"] as? [Any])?.count == 2_160)
            #expect(!(stored.object["orders"] as? [Any] ?? []).isEmpty)
            #expect(stored.object["status"] as? String == "completed")

            let interrupted = try await client.call(.get, "/api/v1/runs/\(interruptedID)")
            #expect(interrupted.object["status"] as? String == "failed")
            #expect(interrupted.object["error"] as? String == "interrupted")

            let page = try await client.call(.get, "/api/v1/runs?limit=1&offset=1").object
            #expect((page["runs"] as? [[String: Any]])?.first?["run_id"] as? String == completedID)

            #expect(try await client.call(.delete, "/api/v1/runs/\(completedID)").status == .ok)
            #expect(try await client.call(.get, "/api/v1/runs/\(completedID)").errorCode == "RUN_NOT_FOUND")
            #expect(try await client.call(.delete, "/api/v1/runs/\(completedID)").errorCode == "RUN_NOT_FOUND")
        }
    }
}
