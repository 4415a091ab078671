import Foundation
import Testing
@testable import Storage

@Suite("SweepStore: API sweeps and their cells")
struct SweepStoreTests {
    static func record(_ id: String, createdAt: Int64, status: String = "running") -> SweepRecord {
        SweepRecord(
            id: id, name: "n-\(id)", status: status, createdAt: createdAt, configJSON: #"{"strategy":"MovingAverageCross"}"#,
            timeframe: "1h", exchange: "sim", total: 4)
    }

    /// Four cells: ranks 2, 1, none, 3; objectives and a metric to sort by.
    static let cells: [SweepCellRow] = [
        SweepCellRow(cellID: "c1", rank: 2, objective: 0.5, role: "sweep", json: #"{"id":"c1","performance_metrics":{"total_trades":7}}"#),
        SweepCellRow(cellID: "c2", rank: 1, objective: 0.9, role: "sweep", json: #"{"id":"c2","performance_metrics":{"total_trades":3}}"#),
        SweepCellRow(cellID: "c3", rank: nil, objective: nil, role: "sweep", json: #"{"id":"c3","performance_metrics":null}"#),
        SweepCellRow(cellID: "c4", rank: 3, objective: -0.2, role: "holdout", json: #"{"id":"c4","performance_metrics":{"total_trades":5}}"#),
    ]

    static func ids(_ page: (cells: [String], total: Int)) -> [String] {
        page.cells.map { text in
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return object?["id"] as? String ?? "?"
        }
    }

    @Test("create, finish, read back; cells sorted and paged by SQL; unranked and missing values last")
    func roundTrip() async throws {
        try await withMemoryDatabase { database in
            let store = database.sweeps
            try await store.create(Self.record("a", createdAt: 1_000))
            #expect(try await store.sweep(id: "a") == Self.record("a", createdAt: 1_000))
            #expect(try await store.finish(
                id: "a", status: "completed", endedAt: 2_000, stage: 0, done: 4, total: 4, errorJSON: nil,
                resultsJSON: #"{"summary":{"cells":4}}"#, cells: Self.cells))
            #expect(try await store.finish(
                id: "zz", status: "completed", endedAt: 2_000, stage: 0, done: 0, total: 0, errorJSON: nil, resultsJSON: nil, cells: []) == false)
            var expected = Self.record("a", createdAt: 1_000, status: "completed")
            expected.endedAt = 2_000
            expected.done = 4
            expected.resultsJSON = #"{"summary":{"cells":4}}"#
            #expect(try await store.sweep(id: "a") == expected)

            #expect(Self.ids(try await store.cells(sweepID: "a", limit: 10)) == ["c2", "c1", "c4", "c3"])
            #expect(Self.ids(try await store.cells(sweepID: "a", descending: true, limit: 10)) == ["c4", "c1", "c2", "c3"])
            #expect(Self.ids(try await store.cells(sweepID: "a", order: .id, descending: true, limit: 10)) == ["c4", "c3", "c2", "c1"])
            #expect(Self.ids(try await store.cells(sweepID: "a", order: .objective, descending: true, limit: 10)) == ["c2", "c1", "c4", "c3"])
            #expect(Self.ids(try await store.cells(sweepID: "a", order: .metric("total_trades"), limit: 10)) == ["c2", "c4", "c1", "c3"])
            let page = try await store.cells(sweepID: "a", order: .rank, limit: 2, offset: 1)
            #expect(Self.ids(page) == ["c1", "c4"])
            #expect(page.total == 4)
            let holdout = try await store.cells(sweepID: "a", role: "holdout", limit: 10)
            #expect(Self.ids(holdout) == ["c4"])
            #expect(holdout.total == 1)
            #expect(try await store.cells(sweepID: "nope", limit: 10).total == 0)
        }
    }

    @Test("list newest first with a total; delete removes the sweep and its cells")
    func listAndDelete() async throws {
        try await withMemoryDatabase { database in
            let store = database.sweeps
            for (index, id) in ["a", "b", "c"].enumerated() { try await store.create(Self.record(id, createdAt: Int64(index) * 10)) }
            let (first, total) = try await store.list(limit: 2)
            #expect(first.map(\.id) == ["c", "b"])
            #expect(total == 3)
            #expect(try await store.list(limit: 2, offset: 2).sweeps.map(\.id) == ["a"])
            try await store.finish(id: "b", status: "completed", endedAt: 50, stage: 0, done: 4, total: 4, errorJSON: nil, resultsJSON: nil, cells: Self.cells)
            #expect(try await store.delete(id: "b"))
            #expect(try await store.delete(id: "b") == false)
            #expect(try await store.sweep(id: "b") == nil)
            #expect(try await store.cells(sweepID: "b", limit: 10).total == 0)
            #expect(try await database.integers("SELECT COUNT(*) FROM sweep_cells") == [0])
        }
    }

    @Test("start-up marks running sweeps interrupted, leaves finished ones alone, survives reopening")
    func interrupted() async throws {
        try await withFileDatabase { database, directory in
            let store = database.sweeps
            try await store.create(Self.record("r1", createdAt: 1))
            try await store.create(Self.record("r2", createdAt: 2))
            try await store.create(Self.record("done", createdAt: 3))
            try await store.finish(id: "done", status: "completed", endedAt: 9, stage: 0, done: 4, total: 4, errorJSON: nil, resultsJSON: nil, cells: [])
            await database.close()

            let reopened = try await Database.open(path: directory.databasePath)
            #expect(try await reopened.sweeps.markInterrupted(at: 500) == ["r1", "r2"])
            #expect(try await reopened.sweeps.markInterrupted(at: 600) == [])
            let r1 = try #require(try await reopened.sweeps.sweep(id: "r1"))
            #expect(r1.status == "interrupted")
            #expect(r1.endedAt == 500)
            #expect(try await reopened.sweeps.sweep(id: "done")?.status == "completed")
            #expect(try await reopened.sweeps.sweep(id: "done")?.endedAt == 9)
            await reopened.close()
        }
    }
}
