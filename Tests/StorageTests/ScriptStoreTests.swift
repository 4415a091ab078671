import Foundation
import Testing
@testable import Storage

@Suite("ScriptStore: saved Pine scripts, versions and script runs")
struct ScriptStoreTests {
    static let v1 = "//@version=5\nstrategy(\"A\")\n"
    static let v2 = "//@version=5\nstrategy(\"A\", overlay=true)\n"

    @Test("SHA-256 matches the NIST vectors")
    func sha256Vectors() {
        #expect(SHA256Digest.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(SHA256Digest.hex("The quick brown fox jumps over the lazy dog")
            == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    }

    @Test("name rules: length, characters, spaces")
    func nameRules() {
        #expect(ScriptNameRule.problem("My RSI v2.1_b-c") == nil)
        #expect(ScriptNameRule.problem(String(repeating: "a", count: 64)) == nil)
        #expect(ScriptNameRule.problem("") == "must not be empty")
        #expect(ScriptNameRule.problem(String(repeating: "a", count: 65)) == "must be at most 64 characters")
        #expect(ScriptNameRule.problem("a/b") == "may only contain letters A–Z, digits, spaces, '_', '.' and '-'")
        #expect(ScriptNameRule.problem("é") == "may only contain letters A–Z, digits, spaces, '_', '.' and '-'")
        #expect(ScriptNameRule.problem(" a") == "must not start or end with a space")
        #expect(ScriptNameRule.problem("a ") == "must not start or end with a space")
    }

    @Test("create, read, update with versions and hashes, delete")
    func lifecycle() async throws {
        try await withMemoryDatabase { database in
            let store = database.scripts
            let created = try #require(try await store.create(name: "My RSI", source: Self.v1, at: 1_000))
            #expect(created.info == ScriptInfo(name: "My RSI", createdAt: 1_000, updatedAt: 1_000, version: 1,
                                               sha256: SHA256Digest.hex(Self.v1), size: Self.v1.utf8.count))
            #expect(created.source == Self.v1)
            // Unique case-insensitively; nothing written.
            #expect(try await store.create(name: "my rsi", source: "x", at: 2_000) == nil)
            #expect(try await store.list().map(\.name) == ["My RSI"])
            // Found by any case.
            #expect(try await store.script(named: "MY RSI")?.info.name == "My RSI")

            let (updated, changed) = try #require(try await store.update(name: "my rsi", source: Self.v2, at: 3_000))
            #expect(changed)
            #expect(updated.info.version == 2)
            #expect(updated.info.updatedAt == 3_000)
            #expect(updated.info.createdAt == 1_000)
            #expect(updated.info.sha256 == SHA256Digest.hex(Self.v2))
            #expect(updated.source == Self.v2)
            // The same text again adds no version.
            let (same, sameChanged) = try #require(try await store.update(name: "My RSI", source: Self.v2, at: 4_000))
            #expect(!sameChanged)
            #expect(same.info.version == 2)
            #expect(same.info.updatedAt == 3_000)

            let versions = try #require(try await store.versions(name: "My RSI"))
            #expect(versions.map(\.version) == [2, 1])
            #expect(versions.map(\.createdAt) == [3_000, 1_000])
            #expect(versions.map(\.sha256) == [SHA256Digest.hex(Self.v2), SHA256Digest.hex(Self.v1)])
            #expect(versions.allSatisfy { $0.source == nil })
            #expect(try await store.version(name: "My RSI", number: 1)?.source == Self.v1)
            #expect(try await store.version(name: "My RSI", number: 3) == nil)
            #expect(try await store.version(name: "nope", number: 1) == nil)
            #expect(try await store.versions(name: "nope") == nil)
            #expect(try await store.update(name: "nope", source: "x", at: 1) == nil)

            _ = try await store.create(name: "alpha", source: "a", at: 5)
            #expect(try await store.list().map(\.name) == ["alpha", "My RSI"])
            #expect(try await store.delete(name: "my RSI"))
            #expect(try await store.delete(name: "my RSI") == false)
            #expect(try await store.script(named: "My RSI") == nil)
            #expect(try await database.integers("SELECT COUNT(*) FROM script_versions") == [1])
            // The name is free again.
            #expect(try await store.create(name: "My RSI", source: Self.v1, at: 6)?.info.version == 1)
        }
    }

    @Test("a run keeps its script's source, plots and trade list, even after the script is deleted, until the run is deleted")
    func runScripts() async throws {
        try await withMemoryDatabase { database in
            try await database.runs.insertRun(RunRecord(id: "r1", mode: "backtest", strategyName: "My RSI", status: "starting", configJSON: "{}", createdAt: 1))
            _ = try await database.scripts.create(name: "My RSI", source: Self.v1, at: 1)
            let record = RunScriptRecord(name: "My RSI", version: 1, sha256: SHA256Digest.hex(Self.v1), source: Self.v1, overlay: true)
            try await database.scripts.recordRun(runID: "r1", record)
            #expect(try await database.scripts.run(id: "r1") == record)
            #expect(try await database.scripts.run(id: "other") == nil)
            let plots = [StoredPlot(title: "RSI", values: [1, .nan, -0.0, 3.5]), StoredPlot(title: "Zero", values: [])]
            try await database.scripts.saveRunOutputs(runID: "r1", tradeListJSON: "[]", barTimes: [-5, 0, 60_000, Int64.max], plots: plots)
            var expected = record
            expected.tradeListJSON = "[]"
            expected.plots = plots
            expected.barTimes = [-5, 0, 60_000, Int64.max]
            #expect(try await database.scripts.run(id: "r1") == expected)
            await #expect(throws: StorageError.self) {
                try await database.scripts.saveRunOutputs(runID: "missing", tradeListJSON: "[]", barTimes: [], plots: [])
            }
            try await database.scripts.delete(name: "My RSI")
            #expect(try await database.scripts.run(id: "r1")?.source == Self.v1)
            try await database.runs.deleteRun(id: "r1")
            #expect(try await database.scripts.run(id: "r1") == nil)
            #expect(try await database.integers("SELECT COUNT(*) FROM run_plots") == [0])
        }
    }

    @Test("scripts survive closing and re-opening the file")
    func survivesReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let first = try await Database.open(path: directory.databasePath)
        _ = try await first.scripts.create(name: "Keep", source: Self.v1, at: 10)
        _ = try await first.scripts.update(name: "Keep", source: Self.v2, at: 20)
        await first.close()
        let second = try await Database.open(path: directory.databasePath)
        #expect(try await second.scripts.script(named: "keep")?.source == Self.v2)
        #expect(try await second.scripts.versions(name: "keep")?.map(\.version) == [2, 1])
        await second.close()
    }
}
