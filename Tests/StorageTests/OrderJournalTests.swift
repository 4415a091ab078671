import Dispatch
import Foundation
import Synchronization
import Testing
import TradingCore
@testable import Storage

/// The paper-run order journal: an order is on disk before the simulated broker may accept it,
/// and state changes and fills are committed bar by bar.
@Suite("Order journal: commit before the broker")
struct OrderJournalTests {
    static let runID = "0a1b2c3d4e5f"
    static let configuration = BacktestConfiguration(
        strategyName: "BuyAndHold", parameters: [:], symbols: [btc], timeframe: .oneHour, initialCash: 10_000)

    static func render(_ order: Order) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(OrderRecord(order, symbols: [btc])), as: UTF8.self)
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// Runs `body` on a dispatch queue: the journal blocks its thread, which must not be one of
    /// the cooperative pool's (the engine queue in the server).
    static func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "test.engine").async { continuation.resume(returning: body()) }
        }
    }

    @Test("an order is committed as submitted, with its client order id, before the broker accepts it; the next commits carry accepted, filled and the fill")
    func commitBeforeSend() async throws {
        try await withFileDatabase { database, directory in
            try await database.runs.insertRun(RunRecord(
                id: Self.runID, mode: "paper", strategyName: "BuyAndHold", status: "running", configJSON: "{}", createdAt: 1))
            // A second process's view of the file: what it sees survives the first one dying.
            let other = try await Database.open(path: directory.databasePath)
            let probe = ProbeJournal(
                inner: RunOrderJournal(store: database.runs, runID: Self.runID, render: Self.render), witness: other.runs)
            let bars = makeSeries(start: 0, step: hour, count: 3)
            let (first, second) = await Self.onQueue { () -> (PaperSession.Step?, PaperSession.Step?) in
                var session = try! PaperSession(
                    configuration: Self.configuration, startTime: 0, journal: probe, clientOrderIdPrefix: "ct\(Self.runID)")
                let first = session.process(bar: bars[0], symbol: btc)
                let second = session.process(bar: bars[1], symbol: btc)
                return (first, second)
            }
            // At the moment the broker handed the order over, it was `submitted` and already in
            // the database as such, as seen from the other connection.
            let seen = probe.observations
            #expect(seen.count == 1)
            #expect(seen.first?.statusAtHandOver == .submitted)
            #expect(seen.first?.clientOrderId == "ct0a1b2c3d4e5f1")
            let committed = Self.json(try #require(seen.first?.committedRow))
            #expect(committed["status"] as? String == "submitted")
            #expect(committed["client_order_id"] as? String == "ct0a1b2c3d4e5f1")
            #expect(committed["id"] as? Int == 1)

            // The broker accepted it in the same bar; that change is the runner's next commit.
            let accepted = try #require(first?.orders.first)
            #expect(accepted.status == .accepted)
            #expect(first?.fills.isEmpty == true)
            try await database.runs.record(runID: Self.runID, RunActivityBatch(
                orders: [SequencedJSON(seq: 0, json: Self.row(accepted))], tradeCount: 0))
            #expect(Self.json(try #require(try await other.runs.activity(id: Self.runID).ordersJSON.first))["status"] as? String == "accepted")

            // The next bar's open fills it: the order, the fill and the open trade commit together.
            let step = try #require(second)
            let filled = try #require(step.orders.first)
            #expect(filled.status == .filled)
            let fill = try #require(step.fills.first)
            #expect(step.fills.count == 1)
            #expect(fill.id == 1 && fill.orderId == 1 && fill.clientOrderId == "ct0a1b2c3d4e5f1")
            #expect(fill.price == bars[1].open)
            try await database.runs.record(runID: Self.runID, RunActivityBatch(
                orders: [SequencedJSON(seq: 0, json: Self.row(filled))],
                trades: step.trades.map { SequencedJSON(seq: $0.id - 1, json: Self.row($0)) },
                fills: [SequencedJSON(seq: 0, json: Self.row(fill))], tradeCount: 0))
            let activity = try await other.runs.activity(id: Self.runID)
            #expect(activity.ordersJSON.count == 1)
            #expect(Self.json(activity.ordersJSON[0])["status"] as? String == "filled")
            #expect(activity.tradesJSON.count == 1)
            #expect(activity.fillsJSON.count == 1)
            let storedFill = Self.json(activity.fillsJSON[0])
            #expect(storedFill["order_id"] as? Int == 1)
            #expect(storedFill["client_order_id"] as? String == "ct0a1b2c3d4e5f1")
            #expect(try await other.integers("SELECT order_id FROM run_fills") == [1])
            // Found again by client order id (how an order with an unknown outcome is looked up).
            let found = try #require(try await other.runs.order(runID: Self.runID, clientOrderID: "ct0a1b2c3d4e5f1"))
            #expect(Self.json(found)["status"] as? String == "filled")
            #expect(try await other.runs.order(runID: Self.runID, clientOrderID: "ct0a1b2c3d4e5f2") == nil)
            await other.close()

            // Deleting the run takes its fills with it.
            #expect(try await database.runs.deleteRun(id: Self.runID))
            #expect(try await database.integers("SELECT COUNT(*) FROM run_fills") == [0])
        }
    }

    @Test("an order the journal cannot record is rejected with the reason and never fills")
    func failedCommitRejects() async throws {
        try await withMemoryDatabase { database in
            // No run row: the commit fails with notFound, as a full disk would fail it.
            let journal = RunOrderJournal(store: database.runs, runID: "missing", render: Self.render)
            let bars = makeSeries(start: 0, step: hour, count: 3)
            let (first, second, fills) = await Self.onQueue { () -> (PaperSession.Step?, PaperSession.Step?, Int) in
                var session = try! PaperSession(configuration: Self.configuration, startTime: 0, journal: journal, clientOrderIdPrefix: "ct")
                let first = session.process(bar: bars[0], symbol: btc)
                let second = session.process(bar: bars[1], symbol: btc)
                return (first, second, session.fills.count)
            }
            let rejected = try #require(first?.orders.first)
            #expect(rejected.status == .rejected)
            #expect(rejected.reason == "storage: the order could not be recorded, so it was not placed")
            #expect(rejected.clientOrderId == "ct1")
            #expect(second?.orders.isEmpty == true)
            #expect(second?.fills.isEmpty == true)
            #expect(fills == 0)
            #expect(journal.hasFailed)
        }
    }

    @Test("recording needs an existing run; batches upsert orders and trades by seq")
    func batches() async throws {
        try await withMemoryDatabase { database in
            let runs = database.runs
            await #expect(throws: StorageError.self) {
                try await runs.record(runID: "nope", RunActivityBatch(orders: [SequencedJSON(seq: 0, json: "{}")]))
            }
            try await runs.insertRun(RunRecord(id: "r", mode: "paper", strategyName: "s", status: "running", configJSON: "{}", createdAt: 1))
            try await runs.record(runID: "r", RunActivityBatch(
                orders: [SequencedJSON(seq: 0, json: #"{"id":1,"status":"submitted"}"#), SequencedJSON(seq: 1, json: #"{"id":2}"#)],
                trades: [SequencedJSON(seq: 0, json: #"{"id":1,"status":"open"}"#)], tradeCount: 0))
            try await runs.record(runID: "r", RunActivityBatch(
                orders: [SequencedJSON(seq: 0, json: #"{"id":1,"status":"filled"}"#)],
                trades: [SequencedJSON(seq: 0, json: #"{"id":1,"status":"closed"}"#)],
                fills: [SequencedJSON(seq: 0, json: #"{"id":1,"order_id":1}"#)], tradeCount: 1))
            let activity = try await runs.activity(id: "r")
            #expect(activity.ordersJSON == [#"{"id":1,"status":"filled"}"#, #"{"id":2}"#])
            #expect(activity.tradesJSON == [#"{"id":1,"status":"closed"}"#])
            #expect(activity.fillsJSON == [#"{"id":1,"order_id":1}"#])
            #expect(try await runs.run(id: "r")?.tradeCount == 1)
            // A batch without a trade count keeps the stored one.
            try await runs.record(runID: "r", RunActivityBatch(fills: [SequencedJSON(seq: 1, json: #"{"id":2,"order_id":2}"#)]))
            #expect(try await runs.run(id: "r")?.tradeCount == 1)
            #expect(try await runs.activity(id: "unknown") == RunActivity(ordersJSON: [], tradesJSON: [], fillsJSON: []))
        }
    }

    @Test("a version 1 database migrates to the journal schema and keeps its orders, now findable by client order id")
    func migratesFromVersionOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let location = Database.Location.file(path: directory.databasePath)
        let old = try await Database.open(location: location, migrations: [Migrations.initialSchema])
        try await old.runs.insertRun(RunRecord(id: "r", mode: "paper", strategyName: "s", status: "completed", configJSON: "{}", createdAt: 1))
        try await old.write { connection in
            try await connection.execute(#"INSERT INTO run_orders (run_id, seq, json) VALUES ('r', 0, '{"client_order_id":"abc","id":1}')"#)
        }
        await old.close()
        let database = try await Database.open(path: directory.databasePath)
        #expect(try await database.schemaVersion() == Migrations.latestVersion)
        #expect(try await database.runs.order(runID: "r", clientOrderID: "abc") == #"{"client_order_id":"abc","id":1}"#)
        #expect(try await database.runs.activity(id: "r").fillsJSON.isEmpty)
        await database.close()
    }

    static func row<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}

/// Wraps the real journal and, right after it returns, reads the order back through another
/// connection — proving the row was committed before the broker went on.
final class ProbeJournal: OrderJournal {
    struct Observation: Sendable {
        let statusAtHandOver: OrderStatus
        let clientOrderId: String?
        let committedRow: String?
    }

    let inner: RunOrderJournal
    let witness: RunStore
    private let seen = Mutex<[Observation]>([])

    init(inner: RunOrderJournal, witness: RunStore) {
        self.inner = inner
        self.witness = witness
    }

    var observations: [Observation] { seen.withLock { $0 } }

    func recordSubmission(_ order: Order) -> String? {
        let refusal = inner.recordSubmission(order)
        let row = Box()
        let done = DispatchSemaphore(value: 0)
        let witness = self.witness
        let runID = inner.runID
        Task.detached {
            row.set(try? await witness.activity(id: runID).ordersJSON.dropFirst(order.id - 1).first)
            done.signal()
        }
        done.wait()
        seen.withLock { $0.append(Observation(statusAtHandOver: order.status, clientOrderId: order.clientOrderId, committedRow: row.value)) }
        return refusal
    }

    final class Box: Sendable {
        private let state = Mutex<String?>(nil)
        var value: String? { state.withLock { $0 } }
        func set(_ value: String?) { state.withLock { $0 = value } }
    }
}
