import Testing
@testable import Storage

@Suite("RunStore")
struct RunStoreTests {
    static func record(_ id: String, status: String = "running", createdAt: Int64 = 1_000) -> RunRecord {
        RunRecord(
            id: id, mode: "backtest", strategyName: "MovingAverageCross", status: status,
            configJSON: #"{"symbols":["BTC/USDT"],"exchange_config":{"apiKey":"***"}}"#, createdAt: createdAt)
    }

    static func count(_ table: String, in database: Database) async throws -> Int {
        try await database.integers("SELECT COUNT(*) FROM \(table)").first ?? -1
    }

    @Test("insert, read back, update status; a duplicate id is refused")
    func crud() async throws {
        try await withFileDatabase { database, directory in
            let runs = database.runs
            let run = Self.record("abc123def456", status: "starting")
            try await runs.insertRun(run)
            #expect(try await runs.run(id: "abc123def456") == run)
            // Committed when insertRun returns: another connection to the file sees it.
            let other = try await Database.open(path: directory.databasePath)
            #expect(try await other.runs.run(id: "abc123def456") == run)
            await other.close()
            #expect(try await runs.run(id: "missing") == nil)
            await #expect(throws: StorageError.self) { try await runs.insertRun(run) }

            #expect(try await runs.updateStatus(id: run.id, status: "running", startedAt: 1_500))
            #expect(try await runs.updateStatus(id: run.id, status: "failed", endedAt: 2_000, error: "venue down"))
            // nil leaves the stored values alone.
            #expect(try await runs.updateStatus(id: run.id, status: "failed"))
            #expect(try await !runs.updateStatus(id: "missing", status: "running"))
            var expected = run
            expected.status = "failed"
            expected.startedAt = 1_500
            expected.endedAt = 2_000
            expected.error = "venue down"
            #expect(try await runs.run(id: run.id) == expected)
        }
    }

    @Test("results round-trip exactly, replace earlier results, and need an existing run")
    func results() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            try await runs.insertRun(Self.record("r1"))
            #expect(try await runs.results(id: "r1") == nil)
            let equity = (0..<5_000).map {
                EquitySample(timestamp: Int64($0) * 60_000 - 3, value: 10_000 + Double($0) / 3, cash: -0.0, pnl: Double($0) * 0.1 - 7)
            }
            let orders = (0..<2_345).map { #"{"id":"o\#($0)","side":"buy","note":"ünïcode ✓"}"# }
            let trades = ["{\"id\":\"t1\"}", "{\"id\":\"t2\"}"]
            try await runs.saveResults(
                id: "r1", metricsJSON: #"{"total_return":0.12}"#, finalValue: 11_200.5, tradeCount: 2,
                ordersJSON: orders, tradesJSON: trades, equity: equity, resultsJSON: #"{"run_id":"r1"}"#)
            let stored = try #require(try await runs.results(id: "r1"))
            #expect(stored.ordersJSON == orders)
            #expect(stored.tradesJSON == trades)
            #expect(stored.resultsJSON == #"{"run_id":"r1"}"#)
            #expect(stored.equity == equity)
            #expect(zip(stored.equity, equity).allSatisfy {
                $0.value.bitPattern == $1.value.bitPattern && $0.cash.bitPattern == $1.cash.bitPattern && $0.pnl.bitPattern == $1.pnl.bitPattern
            })
            let record = try #require(try await runs.run(id: "r1"))
            #expect(record.metricsJSON == #"{"total_return":0.12}"#)
            #expect(record.finalValue == 11_200.5)
            #expect(record.tradeCount == 2)

            // Saving again replaces everything.
            try await runs.saveResults(
                id: "r1", metricsJSON: "{}", finalValue: nil, tradeCount: 0, ordersJSON: [], tradesJSON: [], equity: [], resultsJSON: "{}")
            #expect(try await runs.results(id: "r1") == StoredResults(ordersJSON: [], tradesJSON: [], equity: [], resultsJSON: "{}"))
            #expect(try await runs.run(id: "r1")?.finalValue == nil)
            #expect(try await Self.count("run_orders", in: database) == 0)

            do {
                try await runs.saveResults(id: "nope", metricsJSON: "{}", finalValue: 1, tradeCount: 0, ordersJSON: ["{}"], tradesJSON: [], equity: [], resultsJSON: "{}")
                Issue.record("expected notFound")
            } catch let error as StorageError {
                #expect(error.kind == .notFound)
            }
            #expect(try await Self.count("run_orders", in: database) == 0)
        }
    }

    @Test("a one-million-point equity curve round-trips")
    func largeEquity() async throws {
        try await withFileDatabase { database, _ in
            let runs = database.runs
            try await runs.insertRun(Self.record("big"))
            let equity = (0..<1_000_000).map { EquitySample(timestamp: Int64($0) * 1_000, value: Double($0).squareRoot(), cash: 1 / Double($0 + 1), pnl: -Double($0)) }
            let clock = ContinuousClock()
            let saveTime = try await clock.measure {
                try await runs.saveResults(id: "big", metricsJSON: "{}", finalValue: 1, tradeCount: 0, ordersJSON: [], tradesJSON: [], equity: equity, resultsJSON: "{}")
            }
            var loaded: StoredResults?
            let loadTime = try await clock.measure { loaded = try await runs.results(id: "big") }
            #expect(loaded?.equity == equity)
            print("equity 1M points (debug build): save \(saveTime), load \(loadTime)")
        }
    }

    @Test("advanceStatus moves a run on only from the statuses given: a late stopping never overwrites stopped")
    func advanceStatus() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            try await runs.insertRun(Self.record("a", status: "starting"))
            #expect(try await runs.advanceStatus(id: "a", to: "running", from: ["starting"]))
            #expect(try await runs.run(id: "a")?.status == "running")
            // The run saved its results (terminal) before the stop request's write arrived.
            try await runs.updateStatus(id: "a", status: "stopped", endedAt: 2_000)
            #expect(try await !runs.advanceStatus(id: "a", to: "stopping", from: ["starting", "running"]))
            let stored = try #require(try await runs.run(id: "a"))
            #expect(stored.status == "stopped")
            #expect(stored.endedAt == 2_000)
            // A stop that was recorded first makes a late `running` a no-op as well.
            try await runs.insertRun(Self.record("b", status: "starting"))
            #expect(try await runs.advanceStatus(id: "b", to: "stopping", from: ["starting", "running"]))
            #expect(try await !runs.advanceStatus(id: "b", to: "running", from: ["starting"]))
            #expect(try await runs.run(id: "b")?.status == "stopping")
            #expect(try await !runs.advanceStatus(id: "missing", to: "running", from: ["starting"]))
            #expect(try await !runs.advanceStatus(id: "b", to: "running", from: []))
        }
    }

    @Test("markInterruptedRuns fails every unfinished run and only those")
    func interrupted() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            for (id, status) in [("a", "starting"), ("b", "running"), ("c", "stopping"), ("d", "completed"), ("e", "stopped"), ("f", "failed")] {
                try await runs.insertRun(Self.record(id, status: status))
            }
            try await runs.updateStatus(id: "c", status: "stopping", endedAt: 42)
            #expect(try await runs.markInterruptedRuns(at: 9_999) == ["a", "b", "c"])
            for id in ["a", "b", "c"] {
                let run = try #require(try await runs.run(id: id))
                #expect(run.status == "failed")
                #expect(run.error == "interrupted")
                #expect(run.endedAt == (id == "c" ? 42 : 9_999))
            }
            #expect(try await runs.run(id: "d")?.status == "completed")
            #expect(try await runs.run(id: "e")?.status == "stopped")
            #expect(try await runs.run(id: "f")?.error == nil)
            #expect(try await runs.markInterruptedRuns().isEmpty)
        }
    }

    @Test("results saved with their terminal status: one commit, so start-up never marks the run interrupted")
    func resultsWithTerminalStatus() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            try await runs.insertRun(Self.record("done"))
            try await runs.insertRun(Self.record("cut"))
            try await runs.saveResults(
                id: "done", metricsJSON: "{}", finalValue: 2, tradeCount: 1, ordersJSON: ["{}"], tradesJSON: ["{}"], equity: [],
                resultsJSON: "{}", terminal: (status: "completed", endedAt: 9_000, error: nil))
            var done = try #require(try await runs.run(id: "done"))
            #expect(done.status == "completed")
            #expect(done.endedAt == 9_000)
            #expect(done.error == nil)
            // Without `terminal` the status is left as it was.
            try await runs.saveResults(
                id: "cut", metricsJSON: "{}", finalValue: 2, tradeCount: 0, ordersJSON: [], tradesJSON: [], equity: [], resultsJSON: "{}")
            #expect(try await runs.run(id: "cut")?.status == "running")
            // What start-up does after a crash: only the run without a terminal status is interrupted.
            #expect(try await runs.markInterruptedRuns(at: 10_000) == ["cut"])
            done = try #require(try await runs.run(id: "done"))
            #expect(done.status == "completed")
            #expect(try await runs.results(id: "done")?.ordersJSON == ["{}"])
            // A failure is stored with its error.
            try await runs.insertRun(Self.record("journal"))
            try await runs.saveResults(
                id: "journal", metricsJSON: "{}", finalValue: 1, tradeCount: 0, ordersJSON: [], tradesJSON: [], equity: [],
                resultsJSON: "{}", terminal: (status: "failed", endedAt: 11_000, error: "storage: journal"))
            let failed = try #require(try await runs.run(id: "journal"))
            #expect(failed.status == "failed" && failed.error == "storage: journal" && failed.endedAt == 11_000)
        }
    }

    @Test("deleting a run cascades to orders, trades, equity and results")
    func deleteCascades() async throws {
        try await withFileDatabase { database, _ in
            let runs = database.runs
            for id in ["keep", "drop"] {
                try await runs.insertRun(Self.record(id))
                try await runs.saveResults(
                    id: id, metricsJSON: "{}", finalValue: 1, tradeCount: 1, ordersJSON: ["{}", "{}"], tradesJSON: ["{}"],
                    equity: [EquitySample(timestamp: 1, value: 2, cash: 3, pnl: 4)], resultsJSON: "{}")
            }
            #expect(try await runs.deleteRun(id: "drop"))
            #expect(try await !runs.deleteRun(id: "drop"))
            #expect(try await runs.run(id: "drop") == nil)
            #expect(try await runs.results(id: "drop") == nil)
            for (table, expected) in [("runs", 1), ("run_orders", 2), ("run_trades", 1), ("run_equity", 1), ("run_results", 1)] {
                #expect(try await Self.count(table, in: database) == expected, "\(table)")
            }
            #expect(try await runs.results(id: "keep")?.ordersJSON.count == 2)
        }
    }

    @Test("listing is newest first, paginated, with the total")
    func listPagination() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            // Created at 100, 200, …; "r3" and "r3b" share a timestamp: the later insert is newer.
            for index in 1...7 { try await runs.insertRun(Self.record("r\(index)", createdAt: Int64(index) * 100)) }
            try await runs.insertRun(Self.record("r3b", createdAt: 300))
            let first = try await runs.listRuns(limit: 3)
            #expect(first.total == 8)
            #expect(first.runs.map(\.id) == ["r7", "r6", "r5"])
            let second = try await runs.listRuns(limit: 3, offset: 3)
            #expect(second.runs.map(\.id) == ["r4", "r3b", "r3"])
            let last = try await runs.listRuns(limit: 3, offset: 6)
            #expect(last.runs.map(\.id) == ["r2", "r1"])
            #expect(try await runs.listRuns(limit: 3, offset: 9).runs.isEmpty)
            let summary = try #require(first.runs.first)
            #expect(summary == RunSummary(
                id: "r7", mode: "backtest", strategyName: "MovingAverageCross", status: "running", createdAt: 700,
                startedAt: nil, endedAt: nil, error: nil, metricsJSON: nil, finalValue: nil, tradeCount: 0))
        }
    }
}
