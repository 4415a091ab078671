extension Migrations {
    /// Version 4: what start-up learned from the venue about an interrupted sandbox or live run,
    /// and what the user decided about its open orders (one JSON document per run; see
    /// docs/live-trading.md, "After a crash").
    static let reconciliations = Migration(
        version: 4,
        name: "live trading: reconciliation of interrupted venue runs",
        statements: [
            """
            CREATE TABLE run_reconciliations (
                run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                json TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            )
            """,
        ])
}
