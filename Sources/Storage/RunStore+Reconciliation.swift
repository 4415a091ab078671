import SQLiteNIO

/// The reconciliation document of interrupted sandbox and live runs.
extension RunStore {
    /// Stores (replaces) the run's reconciliation document, durably.
    public func saveReconciliation(runID: String, json: String, at time: Int64) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                """
                INSERT INTO run_reconciliations (run_id, json, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                """,
                [.text(runID), .text(json), .int(time)])
        }
    }

    /// The run's reconciliation document, or nil when it has none.
    public func reconciliation(runID: String) async throws -> String? {
        try await database.read { connection in
            try await connection.query("SELECT json FROM run_reconciliations WHERE run_id = ?", [.text(runID)])
                .first.map { try $0.text("json") }
        }
    }

    /// Every stored reconciliation document, by run id.
    public func reconciliations() async throws -> [(runID: String, json: String)] {
        try await database.read { connection in
            try await connection.query("SELECT run_id, json FROM run_reconciliations ORDER BY run_id", [])
                .map { (try $0.text("run_id"), try $0.text("json")) }
        }
    }
}
