@testable import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@_spi(FaultInjection) import Storage
import Testing

/// Storage faults at the API (issue 12, item 5): while the database cannot take writes,
/// state-changing requests answer 503 `STORAGE_UNAVAILABLE` in the envelope with `Retry-After`,
/// reads answer 200, the process keeps serving, and the first request after the fault is cleared
/// succeeds — no restart. Faults come from `StorageFaultInjector` (the same errors SQLite gives).
@Suite("Storage faults at the API: 503 STORAGE_UNAVAILABLE, reads keep working, recovery without restart")
struct StorageFaultRouteTests {
    static let unavailableMessage =
        "the database cannot record changes right now: the disk holding the data directory is full; nothing was changed, reads still work, retry once it is fixed"
    static let unavailableDetails = #"{"reason":"disk_full","retry_after_seconds":10}"#

    /// Builds a server on a fresh data directory whose database has an injector installed.
    static func withFaultyServer(
        _ body: @escaping @Sendable (any TestClientProtocol, StorageFaultInjector) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dataDirectory = directory.path + "/data"
        let databasePath = dataDirectory + "/" + Database.fileName
        let injector = StorageFaultInjector.install(forDatabaseAt: databasePath)
        defer { StorageFaultInjector.remove(forDatabaseAt: databasePath) }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: dataDirectory, logLevel: .critical)
        fixedClock(&configuration)
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in try await body(client, injector) }
    }

    @Test("full disk: starts, script saves and deletes are 503 STORAGE_UNAVAILABLE with Retry-After; reads are 200; health is unhealthy; clearing the fault recovers")
    func fullDiskAtTheRoutes() async throws {
        try await Self.withFaultyServer { client, injector in
            let first = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            #expect(first.status == .ok)
            let firstID = try #require(first.object["run_id"] as? String)
            try await client.waitForStatus(["completed"])
            let save = try await client.call(.post, "/api/v1/scripts", json: #"{"name":"Kept","source":"//@version=6\nstrategy(\"k\")"}"#)
            #expect(save.status == .created)
            let resultsBefore = try await client.call(.get, "/api/v1/runs/\(firstID)?max_points=0")
            #expect(resultsBefore.status == .ok)

            injector.inject(.diskFull)
            let expected = envelope(code: "STORAGE_UNAVAILABLE", message: Self.unavailableMessage, details: Self.unavailableDetails)
            // A start is refused after its run was assigned an id: details name it too.
            for (path, body) in [
                ("/api/v1/run/backtest", minimalBacktestBody),
                ("/api/v1/run/live", #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"mode":"paper"}"#),
            ] {
                let reply = try await client.execute(
                    uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)
                ) { response in (response.status, response.headers[.retryAfter], String(buffer: response.body)) }
                #expect(reply.0 == .serviceUnavailable, "\(path)")
                #expect(reply.1 == "10", "\(path)")
                let object = JSONReply(status: reply.0, text: reply.2)
                #expect(object.errorCode == "STORAGE_UNAVAILABLE")
                #expect((object.object["error"] as? [String: Any])?["message"] as? String == Self.unavailableMessage)
                #expect(Set(object.errorDetails.keys) == ["reason", "retry_after_seconds", "run_id"])
                #expect(object.errorDetails["reason"] as? String == "disk_full")
            }
            let refused: [(String, HTTPRequest.Method, String?)] = [
                ("/api/v1/scripts", .post, #"{"name":"New","source":"//@version=6\nstrategy(\"n\")"}"#),
                ("/api/v1/scripts/Kept", .put, #"{"source":"//@version=6\nstrategy(\"changed\")"}"#),
                ("/api/v1/scripts/Kept", .delete, nil),
                ("/api/v1/runs/\(firstID)", .delete, nil),
            ]
            for (path, method, body) in refused {
                let reply = try await client.execute(
                    uri: path, method: method,
                    headers: body == nil ? [:] : [.contentType: "application/json"], body: body.map { ByteBuffer(string: $0) }
                ) { response in (response.status, response.headers[.retryAfter], String(buffer: response.body)) }
                #expect(reply.0 == .serviceUnavailable, "\(method) \(path)")
                #expect(reply.1 == "10", "\(method) \(path)")
                #expect(reply.2 == expected, "\(method) \(path)")
            }
            // With an Idempotency-Key the key's own write is refused the same way.
            let keyed = try await client.execute(
                uri: "/api/v1/run/backtest", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "fault-1"],
                body: ByteBuffer(string: minimalBacktestBody)
            ) { response in (response.status, String(buffer: response.body)) }
            #expect(keyed.0 == .serviceUnavailable)
            #expect(keyed.1 == expected)

            // Reads answer from what was committed. The refused starts stored nothing; the runner
            // shows the last one as a failed attempt.
            #expect(try await client.call(.get, "/api/v1/runs/\(firstID)?max_points=0").text == resultsBefore.text)
            let listed = try await client.call(.get, "/api/v1/runs")
            #expect(listed.status == .ok)
            #expect((listed.object["runs"] as? [[String: Any]])?.compactMap { $0["run_id"] as? String } == [firstID])
            #expect(try await client.call(.get, "/api/v1/scripts/Kept").status == .ok)
            let status = try await client.call(.get, "/api/v1/status").object
            #expect(status["status"] as? String == "failed")
            #expect(status["error"] as? String == "storage: the run could not be recorded")
            let health = try await client.call(.get, "/api/v1/health").object
            #expect(health["status"] as? String == "unhealthy")
            let storage = (health["checks"] as? [String: Any])?["storage"] as? [String: Any]
            #expect(storage?["status"] as? String == "fail")
            #expect(storage?["message"] as? String == "database write failed: SQLite: database or disk is full")
            // Stop and reset change memory only: they still work.
            #expect(try await client.call(.post, "/api/v1/run/stop").status == .ok)
            #expect(try await client.call(.delete, "/api/v1/run/reset").status == .ok)

            // Space returns: the very next write succeeds, on the same process.
            injector.inject(nil)
            let again = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            #expect(again.status == .ok)
            try await client.waitForStatus(["completed"])
            #expect(try await client.call(.post, "/api/v1/scripts", json: #"{"name":"New","source":"//@version=6\nstrategy(\"n\")"}"#).status == .created)
            #expect(try await client.call(.get, "/api/v1/health").object["status"] as? String != "unhealthy")
            let runs = try await client.call(.get, "/api/v1/runs").object["runs"] as? [[String: Any]]
            #expect(runs?.count == 2)
        }
    }

    @Test("a paper run whose journal commit fails ends failed with a storage error; every order and fill acknowledged before is stored; the final status is written once space returns")
    func paperRunJournalFailure() async throws {
        try await Self.withFaultyServer { client, injector in
            let body = #"{"strategy_name":"MovingAverageCross","strategy_params":{"fast_period":2,"slow_period":3},"symbols":["BTC/USDT"],"timeframe":"1m","mode":"paper","speed":6000}"#
            let start = try await client.call(.post, "/api/v1/run/live", json: body)
            #expect(start.status == .ok)
            let runID = try #require(start.object["run_id"] as? String)
            // Wait for a few acknowledged fills, then take what the API shows as acknowledged.
            var acknowledged: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                acknowledged = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                if (acknowledged["fills"] as? [Any])?.count ?? 0 >= 2 { break }
                guard ContinuousClock.now < deadline else { throw TestFailure("no two fills within 30 s") }
                try await Task.sleep(for: .milliseconds(20))
            }
            injector.inject(.diskFull)
            let ended = try await client.waitForStatus(["failed"], timeout: .seconds(30))
            let error = try #require(ended["error"] as? String)
            #expect(error == "storage: orders and fills could not be recorded" || error == "storage: an order could not be recorded, so it was not placed")
            // Reset, so /runs/{id} answers from the database rather than from memory.
            #expect(try await client.call(.delete, "/api/v1/run/reset").status == .ok)
            let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0")
            #expect(stored.status == .ok)
            let storedOrders = stored.object["orders"] as? [[String: Any]] ?? []
            let storedFills = stored.object["fills"] as? [[String: Any]] ?? []
            let ackOrders = acknowledged["orders"] as? [[String: Any]] ?? []
            let ackFills = acknowledged["fills"] as? [[String: Any]] ?? []
            // Every acknowledged fill is stored exactly; every acknowledged order is stored (in the
            // same or a later state).
            #expect(storedFills.count >= ackFills.count)
            #expect(DurableOrdersTests.canonical(Array(storedFills.prefix(ackFills.count))) == DurableOrdersTests.canonical(ackFills))
            let storedOrderIDs = Set(storedOrders.compactMap { $0["client_order_id"] as? String })
            #expect(Set(ackOrders.compactMap { $0["client_order_id"] as? String }).isSubset(of: storedOrderIDs))
            // The database still says running (its status write was refused) ...
            #expect(stored.object["status"] as? String == "running")
            // ... until space returns: the retry writes the terminal status without a restart.
            injector.inject(nil)
            let retryDeadline = ContinuousClock.now + .seconds(20)
            while true {
                let now = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                if now["status"] as? String == "failed" {
                    #expect(now["error"] as? String == error)
                    break
                }
                guard ContinuousClock.now < retryDeadline else { throw TestFailure("terminal status not written after recovery: \(now["status"] ?? "?")") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("the OpenAPI document lists STORAGE_UNAVAILABLE under 503 of every state-changing operation and links start → status, run, stop, delete")
    func openAPIDocumentsFaultsAndLinks() async throws {
        try await withTestApplication { client in
            let document = try await client.call(.get, "/api/v1/openapi.json").object
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, item) in paths {
                for method in ["post", "put", "patch", "delete"] {
                    guard let operation = item[method] as? [String: Any] else { continue }
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    let unavailable = (responses["503"] as? [String: Any])?["description"] as? String ?? ""
                    #expect(unavailable.contains("STORAGE_UNAVAILABLE"), "\(method) \(path)")
                }
            }
            func links(_ path: String, _ method: String, _ status: String) -> [String: [String: Any]] {
                let operation = paths[path]?[method] as? [String: Any]
                let response = (operation?["responses"] as? [String: Any])?[status] as? [String: Any]
                return response?["links"] as? [String: [String: Any]] ?? [:]
            }
            let start = links("/api/v1/run/backtest", "post", "200")
            #expect(start.keys.sorted() == ["DeleteRun", "GetResults", "GetRun", "GetStatus", "StopRun"])
            #expect(start["GetRun"]?["operationId"] as? String == "getRun")
            #expect(start["GetRun"]?["parameters"] as? [String: String] == ["id": "$response.body#/run_id"])
            #expect(links("/api/v1/run/live", "post", "200").keys.sorted() == start.keys.sorted())
            #expect(links("/api/v1/run/stop", "post", "200").keys.sorted() == ["GetStatus", "ResetRunner"])
            #expect(links("/api/v1/run/reset", "delete", "200").keys.sorted() == ["GetStatus", "StartBacktest"])
            #expect(links("/api/v1/scripts", "post", "201")["GetScript"]?["parameters"] as? [String: String] == ["name": "$response.body#/name"])
            // Every linked operationId exists.
            var operationIDs: Set<String> = []
            for item in paths.values { for case let operation as [String: Any] in item.values { operationIDs.insert(operation["operationId"] as? String ?? "") } }
            for entry in OpenAPIDocument.responseLinks {
                for (name, link) in entry.links {
                    guard case .object(let fields) = link, case .string(let id)? = fields["operationId"] else { Issue.record("\(name)"); continue }
                    #expect(operationIDs.contains(id), "\(name) → \(id)")
                }
            }
        }
    }
}
