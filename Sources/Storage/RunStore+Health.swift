import SQLiteNIO

extension RunStore {
    /// Proves the database accepts writes: takes the write lock (`BEGIN IMMEDIATE`), touches the
    /// schema and commits. Throws when the file or its directory cannot be written.
    public func probeWritable() async throws {
        try await database.write { connection in
            _ = try await connection.query("SELECT COUNT(*) AS n FROM runs")
        }
    }
}
