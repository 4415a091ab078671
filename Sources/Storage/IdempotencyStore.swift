import SQLiteNIO

/// A stored `Idempotency-Key` of a run start (table `idempotency_keys`, migration 5).
public struct IdempotencyRecord: Sendable, Hashable {
    public var route: String
    public var key: String
    /// SHA-256 (hex) of the request body in canonical form.
    public var bodySHA256: String
    /// 0 while the start is in progress (or was cut short by a crash); else the answer's status.
    public var status: Int
    /// The answer's JSON body (when `status` is not 0).
    public var response: String?
    public var runID: String?
    /// The largest `runs` rowid when the key was reserved: the run this start created (if any)
    /// is the first one after it.
    public var runsWatermark: Int64
    /// Milliseconds since the epoch, UTC.
    public var createdAt: Int64
}

/// The idempotency keys of run starts, kept 24 h. Every write is durable.
public struct IdempotencyStore: Sendable {
    let database: Database

    /// How long a key is remembered.
    public static let retentionMilliseconds: Int64 = 24 * 60 * 60 * 1000

    public enum Reservation: Sendable {
        /// The key is new: a pending row now holds it.
        case reserved
        /// The key is known (within 24 h).
        case existing(IdempotencyRecord)
    }

    /// Stores `key` as pending unless a row for it (younger than 24 h) exists, which is returned
    /// instead. Expired rows are deleted first.
    public func reserve(route: String, key: String, bodySHA256: String, now: Int64) async throws -> Reservation {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                "DELETE FROM idempotency_keys WHERE created_at < ?", [.int(now - Self.retentionMilliseconds)])
            let rows = try await connection.query(
                """
                SELECT route, key, body_sha256, status, response, run_id, runs_watermark, created_at
                FROM idempotency_keys WHERE route = ? AND key = ?
                """,
                [.text(route), .text(key)])
            if let row = rows.first {
                return .existing(
                    IdempotencyRecord(
                        route: try row.text("route"), key: try row.text("key"), bodySHA256: try row.text("body_sha256"),
                        status: try row.int("status"), response: try row.optionalText("response"),
                        runID: try row.optionalText("run_id"), runsWatermark: try row.int64("runs_watermark"),
                        createdAt: try row.int64("created_at")))
            }
            try await connection.execute(
                """
                INSERT INTO idempotency_keys (route, key, body_sha256, status, runs_watermark, created_at)
                VALUES (?, ?, ?, 0, (SELECT COALESCE(MAX(rowid), 0) FROM runs), ?)
                """,
                [.text(route), .text(key), .text(bodySHA256), .int(now)])
            return .reserved
        }
    }

    /// Records the answer of the start that reserved `key`.
    public func complete(route: String, key: String, status: Int, response: String, runID: String?) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute(
                "UPDATE idempotency_keys SET status = ?, response = ?, run_id = ? WHERE route = ? AND key = ?",
                [.int(Int64(status)), .text(response), .optionalText(runID), .text(route), .text(key)])
        }
    }

    /// Forgets `key` (its start failed, so a retry may start anew).
    public func release(route: String, key: String) async throws {
        try await database.write(durable: true) { connection in
            try await connection.execute("DELETE FROM idempotency_keys WHERE route = ? AND key = ?", [.text(route), .text(key)])
        }
    }

    /// The first run recorded after `watermark`, when it is in one of `modes` and no other key
    /// claims it: the run a start cut short by a crash had already created (runs start one at a
    /// time, so a later run is never this start's).
    public func firstRun(after watermark: Int64, modes: [String]) async throws -> (id: String, status: String)? {
        try await database.read { connection in
            let placeholders = modes.map { _ in "?" }.joined(separator: ", ")
            let rows = try await connection.query(
                """
                SELECT id, status FROM (SELECT id, status, mode FROM runs WHERE rowid > ? ORDER BY rowid LIMIT 1)
                WHERE mode IN (\(placeholders)) AND id NOT IN (SELECT run_id FROM idempotency_keys WHERE run_id IS NOT NULL)
                """,
                [.int(watermark)] + modes.map { SQLiteData.text($0) })
            return try rows.first.map { (try $0.text("id"), try $0.text("status")) }
        }
    }
}

extension Database {
    /// Idempotency keys of run starts on this database.
    public nonisolated var idempotency: IdempotencyStore { IdempotencyStore(database: self) }
}
