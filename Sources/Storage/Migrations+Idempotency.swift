extension Migrations {
    /// Version 5: `Idempotency-Key`s of run starts. A row is written (pending) before the run is
    /// started and completed with the answer afterwards; `runs_watermark` (the largest `runs`
    /// rowid at reservation) lets a retry after a crash between the two find the run it started.
    /// Rows older than 24 h are deleted when a new key is stored.
    static let idempotencyKeys = Migration(
        version: 5,
        name: "hardening: idempotency keys of run starts",
        statements: [
            """
            CREATE TABLE idempotency_keys (
                route TEXT NOT NULL,
                key TEXT NOT NULL,
                body_sha256 TEXT NOT NULL,
                status INTEGER NOT NULL DEFAULT 0,
                response TEXT,
                run_id TEXT,
                runs_watermark INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (route, key)
            )
            """,
            "CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at)",
        ])
}
