import SQLiteNIO

/// One JSON row of a run's orders, trades or fills, at its position `seq` (0, 1, 2…; an order or
/// trade with id `n` lives at `seq` n − 1, fill `n` likewise).
public struct SequencedJSON: Sendable, Hashable {
    public var seq: Int
    public var json: String

    public init(seq: Int, json: String) {
        self.seq = seq
        self.json = json
    }
}

/// What changed in a run since the last commit: orders and trades in their latest state (a row
/// already stored is replaced), new fills, and the run's closed-trade count.
public struct RunActivityBatch: Sendable, Hashable {
    public var orders: [SequencedJSON]
    public var trades: [SequencedJSON]
    public var fills: [SequencedJSON]
    /// Closed round trips so far, written to `runs.trade_count`; nil keeps the stored value.
    public var tradeCount: Int?

    public init(orders: [SequencedJSON] = [], trades: [SequencedJSON] = [], fills: [SequencedJSON] = [], tradeCount: Int? = nil) {
        self.orders = orders
        self.trades = trades
        self.fills = fills
        self.tradeCount = tradeCount
    }

    public var isEmpty: Bool { orders.isEmpty && trades.isEmpty && fills.isEmpty }
}

/// Everything stored of a run's orders, trades and fills, whether the run finished or not.
public struct RunActivity: Sendable, Hashable {
    public var ordersJSON: [String]
    public var tradesJSON: [String]
    public var fillsJSON: [String]
}

/// The order journal of paper runs: orders, their state changes and fills committed as they
/// happen, so a run killed mid-way keeps what it acknowledged (see `docs/storage.md`).
extension RunStore {
    /// Records a new order (status `submitted`) before it is handed to the broker. Committed when
    /// it returns; with `durable` also on disk (`synchronous=FULL`), else in the OS (it survives a
    /// killed process, not a power cut). Throws `.notFound` for an unknown run.
    public func recordOrderSubmission(runID: String, order: SequencedJSON, durable: Bool = true) async throws {
        try await record(runID: runID, RunActivityBatch(orders: [order]), durable: durable)
    }

    /// Commits a batch of changes in one transaction: orders and trades upserted by `seq`, fills
    /// inserted (a fill already stored at that `seq` is replaced by the same fill). `durable` as
    /// in ``recordOrderSubmission(runID:order:durable:)``. Throws `.notFound` for an unknown run
    /// (nothing is written).
    public func record(runID: String, _ batch: RunActivityBatch, durable: Bool = true) async throws {
        try await database.write(durable: durable) { connection in
            let exists = try await connection.query(
                "UPDATE runs SET trade_count = COALESCE(?, trade_count) WHERE id = ? RETURNING id",
                [.optionalInt(batch.tradeCount.map(Int64.init)), .text(runID)])
            guard !exists.isEmpty else { throw StorageError("run \(runID) not found", kind: .notFound) }
            for order in batch.orders {
                try await connection.execute(
                    "INSERT INTO run_orders (run_id, seq, json) VALUES (?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET json = excluded.json",
                    [.text(runID), .integer(order.seq), .text(order.json)])
            }
            for trade in batch.trades {
                try await connection.execute(
                    "INSERT INTO run_trades (run_id, seq, json) VALUES (?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET json = excluded.json",
                    [.text(runID), .integer(trade.seq), .text(trade.json)])
            }
            for fill in batch.fills {
                try await connection.execute(
                    """
                    INSERT OR REPLACE INTO run_fills (run_id, seq, order_id, json)
                    VALUES (?, ?, json_extract(?, '$.order_id'), ?)
                    """,
                    [.text(runID), .integer(fill.seq), .text(fill.json), .text(fill.json)])
            }
        }
    }

    /// The run's orders, trades and fills as stored, each in `seq` order (empty lists for an
    /// unknown run).
    public func activity(id: String) async throws -> RunActivity {
        try await database.read { connection in
            let orders = try await connection.query("SELECT json FROM run_orders WHERE run_id = ? ORDER BY seq", [.text(id)])
            let trades = try await connection.query("SELECT json FROM run_trades WHERE run_id = ? ORDER BY seq", [.text(id)])
            let fills = try await connection.query("SELECT json FROM run_fills WHERE run_id = ? ORDER BY seq", [.text(id)])
            return RunActivity(
                ordersJSON: try orders.map { try $0.text("json") }, tradesJSON: try trades.map { try $0.text("json") },
                fillsJSON: try fills.map { try $0.text("json") })
        }
    }

    /// The stored order of a run with this client order id, or nil (how a venue order whose outcome
    /// is unknown is found again).
    public func order(runID: String, clientOrderID: String) async throws -> String? {
        try await database.read { connection in
            try await connection.query(
                "SELECT json FROM run_orders WHERE run_id = ? AND client_order_id = ? ORDER BY seq LIMIT 1",
                [.text(runID), .text(clientOrderID)]
            ).first.map { try $0.text("json") }
        }
    }
}
