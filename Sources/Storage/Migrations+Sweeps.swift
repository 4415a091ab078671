extension Migrations {
    /// Version 6: parameter sweeps started through the HTTP API (`/api/v1/sweeps`). A `sweeps` row
    /// is written when a sweep starts and completed (status, final progress, the results document
    /// without its cells) when it ends; its cells are rows of `sweep_cells`, one per cell, so a
    /// page of cells is sorted and cut by SQL. A sweep left `running` by a crash is marked
    /// `interrupted` on start-up (`SweepStore.markInterrupted`).
    static let sweeps = Migration(
        version: 6,
        name: "sweeps: API parameter sweeps and their cells",
        statements: [
            """
            CREATE TABLE sweeps (
                id TEXT PRIMARY KEY,
                name TEXT,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                ended_at INTEGER,
                config_json TEXT NOT NULL,
                timeframe TEXT NOT NULL,
                exchange TEXT NOT NULL,
                stage INTEGER NOT NULL DEFAULT 0,
                done INTEGER NOT NULL DEFAULT 0,
                total INTEGER NOT NULL DEFAULT 0,
                error_json TEXT,
                results_json TEXT
            )
            """,
            "CREATE INDEX sweeps_by_created ON sweeps (created_at)",
            """
            CREATE TABLE sweep_cells (
                sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
                cell_id TEXT NOT NULL,
                rank INTEGER,
                objective REAL,
                role TEXT NOT NULL,
                cell_json TEXT NOT NULL,
                PRIMARY KEY (sweep_id, cell_id)
            )
            """,
            "CREATE INDEX sweep_cells_by_rank ON sweep_cells (sweep_id, rank)",
        ])
}
