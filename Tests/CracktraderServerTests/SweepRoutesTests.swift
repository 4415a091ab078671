@testable import CracktraderServer
import DataAccess
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Logging
import NIOCore
import Storage
import Sweep
import Synchronization
import Testing
import WSClient

@Suite("Sweeps API: start, progress, results, stop, delete, persistence")
struct SweepRoutesTests {
    /// 3 × 2 points on one symbol over January 2024 (744 hourly sim bars): 6 cells.
    static let smallConfig = #"""
        {"strategy":"MovingAverageCross","symbols":["BTC/USDT"],"timeframe":"1h","exchange":"sim",
         "start":"2024-01-01","end":"2024-02-01","initial_cash":10000,"commission":0.001,
         "parameters":{"fast_period":{"from":5,"to":15,"step":5},"slow_period":[20,30],"stake":1},
         "constraints":["fast_period < slow_period"],"search":{"method":"grid"},"objective":"sharpe_ratio"}
        """#
    static let smallBody = "{\"name\":\"small grid\"," + smallConfig.drop { $0 != "{" }.dropFirst()

    /// 2,000 cells of 44,640 one-minute bars each: far longer than the requests made while it runs.
    static let largeBody = #"""
        {"strategy":"MovingAverageCross","symbols":["BTC/USDT"],"timeframe":"1m","exchange":"sim",
         "start":"2024-01-01","end":"2024-02-01",
         "parameters":{"fast_period":{"from":2,"to":41},"slow_period":{"from":60,"to":109}}}
        """#

    /// The results document `cracktrader sweep --json` gives for `smallConfig`: the same
    /// parser, data loader, planner, session and merger, run here directly.
    static func cliDocument() async throws -> Sweep.JSONValue {
        let config = try SweepConfig.parse(bytes: Array(smallConfig.utf8))
        let data = try await SweepDataLoader.load(config)
        let planner = try SweepPlanner(config: config, data: data)
        return try await SweepSession.run(planner, jobs: 1)
    }

    static func parse(_ text: String) throws -> Sweep.JSONValue { try Sweep.JSONValue.parse(Array(text.utf8)) }

    static func withoutEquity(_ cell: Sweep.JSONValue) -> Sweep.JSONValue {
        var object = cell.objectValue ?? [:]
        object["equity_curve"] = nil
        return .object(object)
    }

    @Test("a small sim grid: 202, progress, completed, cells equal to the CLI's, list entry, pagination and sort")
    func smallGrid() async throws {
        let cli = try await Self.cliDocument()
        try await withTestApplication(configure: fixedClock) { client in
            let start = try await client.call(.post, "/api/v1/sweeps", json: Self.smallBody)
            #expect(start.status == .accepted)
            let id = try #require(start.object["sweep_id"] as? String)
            #expect(id.count == 12)
            #expect(start.text == #"{"created_at":"2024-03-01T00:30:00.000Z","progress":{"done":0,"stage":0,"total":6},"status":"running","sweep_id":"\#(id)"}"#)

            let finished = try await Self.waitForSweep(client, id, ["completed"])
            #expect(finished["status"] as? String == "completed")
            #expect(finished["cells_total"] as? Int == 6)
            #expect(finished["progress"] as? [String: Int] == ["stage": 0, "done": 6, "total": 6])
            #expect(finished["limit"] as? Int == 100)
            #expect(finished["offset"] as? Int == 0)

            // Exact document parts against the CLI computation.
            let detail = try Self.parse(try await client.call(.get, "/api/v1/sweeps/\(id)").text)
            #expect(detail["summary"] == cli["summary"])
            #expect(detail["ranking"] == cli["ranking"])
            #expect(detail["best"] == cli["best"])
            #expect(detail["walk_forward"] == .null)
            let cliCells = try #require(cli["cells"]?.arrayValue)
            let cells = try #require(detail["cells"]?.arrayValue)
            #expect(cells.count == 6)
            let cliByID = Dictionary(uniqueKeysWithValues: cliCells.map { ($0["id"]!.stringValue!, $0) })
            for cell in cells {
                let id = try #require(cell["id"]?.stringValue)
                #expect(cell.canonicalText == Self.withoutEquity(try #require(cliByID[id])).canonicalText)
            }
            // One cell in full: the metrics keys of /results and the CLI's exact values.
            let bestID = try #require(cli["ranking"]?.arrayValue?.first?["id"]?.stringValue)
            let best = try #require(cells.first { $0["id"]?.stringValue == bestID })
            #expect(best["performance_metrics"] == cliByID[bestID]!["performance_metrics"])
            #expect(best["final_value"] == cliByID[bestID]!["final_value"])
            #expect(best["parameters"]?.objectValue?.keys.sorted() == ["fast_period", "slow_period", "stake"])
            #expect(Set(best.objectValue!.keys) == ["id", "parameters", "symbol", "window", "data_hash", "role", "status", "performance_metrics", "final_value", "objective"])
            #expect(best["window"] == .object(["start": .string("2024-01-01T00:00:00.000Z"), "end": .string("2024-02-01T00:00:00.000Z")]))
            #expect(detail["config"]?["exchange"] == .string("sim"))
            #expect(detail["config"]?["data_dir"] == nil)

            // Entry fields of the list and the detail head.
            let list = try await client.call(.get, "/api/v1/sweeps").object
            #expect(list["total"] as? Int == 1)
            #expect(list["limit"] as? Int == 20)
            #expect(list["offset"] as? Int == 0)
            let entries = try #require(list["sweeps"] as? [[String: Any]])
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(Set(entry.keys) == [
                "sweep_id", "name", "status", "strategy", "symbols", "timeframe", "exchange", "objective", "search_method", "parameters",
                "created_at", "end_time", "progress", "summary", "best", "error",
            ])
            #expect(entry["sweep_id"] as? String == id)
            #expect(entry["name"] as? String == "small grid")
            #expect(entry["status"] as? String == "completed")
            #expect(entry["strategy"] as? String == "MovingAverageCross")
            #expect(entry["symbols"] as? [String] == ["BTC/USDT"])
            #expect(entry["timeframe"] as? String == "1h")
            #expect(entry["exchange"] as? String == "sim")
            #expect(entry["objective"] as? String == "sharpe_ratio")
            #expect(entry["search_method"] as? String == "grid")
            #expect(entry["parameters"] as? [String] == ["fast_period", "slow_period"])
            #expect(entry["created_at"] as? String == "2024-03-01T00:30:00.000Z")
            #expect(entry["end_time"] as? String == "2024-03-01T00:30:00.000Z")
            #expect(entry["error"] is NSNull)
            let cliSummary = try #require(cli["summary"])
            #expect(entry["summary"] as? [String: Int] == [
                "cells": 6, "ok": 6, "failed": 0, "ranked": cliSummary["ranked"]!.intValue!,
            ])
            let first = try #require(cli["ranking"]?.arrayValue?.first)
            let listBody = try Self.parse(try await client.call(.get, "/api/v1/sweeps").text)
            #expect(listBody["sweeps"]?.arrayValue?.first?["best"] == .object([
                "id": first["id"]!, "objective": first["objective"]!, "symbol": first["symbol"]!, "parameters": first["parameters"]!,
            ]))

            // Pages and orders, checked against the CLI document's cells.
            let sortedIDs = cliByID.keys.sorted()
            #expect(try await Self.cellIDs(client, id, "limit=2&offset=1&sort=id") == Array(sortedIDs[1..<3]))
            #expect(try await Self.cellIDs(client, id, "sort=id&order=desc") == sortedIDs.reversed())
            let rankedIDs = (cli["ranking"]?.arrayValue ?? []).map { $0["id"]!.stringValue! }
            let unranked = sortedIDs.filter { !rankedIDs.contains($0) }
            #expect(try await Self.cellIDs(client, id, "") == rankedIDs + unranked)
            let byTrades = cliCells.sorted { a, b in
                let x = a["performance_metrics"]!["total_trades"]!.intValue!, y = b["performance_metrics"]!["total_trades"]!.intValue!
                return x != y ? x > y : a["id"]!.stringValue! < b["id"]!.stringValue!
            }.map { $0["id"]!.stringValue! }
            #expect(try await Self.cellIDs(client, id, "sort=total_trades") == byTrades)
            let page = try await client.call(.get, "/api/v1/sweeps/\(id)?limit=1&offset=5").object
            #expect(page["cells_total"] as? Int == 6)
            #expect((page["cells"] as? [Any])?.count == 1)
            #expect(try await Self.cellIDs(client, id, "role=holdout") == [])
        }
    }

    @Test("every error: 400 naming the field, 404, 409 SWEEP_ACTIVE (start and delete), 422 empty grid and cap; stop keeps finished cells; delete")
    func errorsStopAndDelete() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            // 400: refused and malformed fields, each named.
            let refused: [(String, String)] = [
                (#"{"strategy":"MovingAverageCross","data":"candles.csv"}"#, "data"),
                (#"{"strategy":"MovingAverageCross","data_dir":"/tmp","start":"2024-01-01","end":"2024-01-02"}"#, "data_dir"),
                (#"{"strategy":"MovingAverageCross","exchange_config":{"apiKey":"CANARY-SWEEP-KEY"},"start":"2024-01-01","end":"2024-01-02"}"#, "exchange_config"),
                (#"{"strategy":"MovingAverageCross","start":"2024-01-01","end":"2024-01-02","parameters":{"nope":[1,2]}}"#, "parameters.nope"),
                (#"{"strategy":"MovingAverageCross","start":"2024-01-01","end":"2024-01-02","parameters":{"fast_period":{"from":5,"to":1}}}"#, "parameters.fast_period.to"),
                (#"{"strategy":"MovingAverageCross","start":"2024-01-01"}"#, "end"),
                (#"{"strategy":"NoSuchStrategy","start":"2024-01-01","end":"2024-01-02"}"#, "strategy"),
                (#"{"strategy":"MovingAverageCross","name":"","start":"2024-01-01","end":"2024-01-02"}"#, "name"),
                (#"{"strategy":"MovingAverageCross","start":"2024-01-01","end":"2024-01-02","typo":1}"#, "typo"),
            ]
            for (body, field) in refused {
                let reply = try await client.call(.post, "/api/v1/sweeps", json: body)
                #expect(reply.status == .badRequest, "\(field)")
                #expect(reply.errorCode == "VALIDATION_ERROR", "\(field)")
                #expect(reply.errorDetails["field"] as? String == field)
                #expect(!reply.text.contains("CANARY"))
            }
            let exchangeConfig = try await client.call(.post, "/api/v1/sweeps", json: refused[2].0)
            #expect(exchangeConfig.text == #"{"error":{"code":"VALIDATION_ERROR","details":{"field":"exchange_config","fields":{"exchange_config":"sweeps run on stored or simulated candles and take no exchange credentials; leave exchange_config out"}},"message":"exchange_config: sweeps run on stored or simulated candles and take no exchange credentials; leave exchange_config out"}}"#)
            #expect(try await client.call(.post, "/api/v1/sweeps", json: "[1]").errorCode == "INVALID_JSON")
            #expect(try await client.call(.post, "/api/v1/sweeps", json: "{").errorCode == "INVALID_JSON")
            #expect(try await client.call(.get, "/api/v1/sweeps?limit=0").errorCode == "VALIDATION_ERROR")

            // 422: an empty grid and a grid over the cap, with the Sweep module's codes.
            let empty = try await client.call(.post, "/api/v1/sweeps", json: #"""
                {"strategy":"MovingAverageCross","start":"2024-01-01","end":"2024-01-10",
                 "parameters":{"fast_period":[10,20],"slow_period":[5,8]},"constraints":["fast_period < slow_period"]}
                """#)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.errorCode == "SWEEP_CONFIG_INVALID")
            #expect(empty.errorDetails["field"] as? String == "constraints")
            let huge = try await client.call(.post, "/api/v1/sweeps", json: #"""
                {"strategy":"MovingAverageCross","start":"2024-01-01","end":"2024-01-10",
                 "parameters":{"fast_period":{"from":2,"to":500},"slow_period":{"from":2,"to":500}}}
                """#)
            #expect(huge.status == .unprocessableContent)
            #expect(huge.errorCode == "SWEEP_TOO_MANY_CELLS")
            #expect(huge.errorDetails["field"] as? String == "parameters")
            #expect(try await client.call(.get, "/api/v1/sweeps").object["total"] as? Int == 0)

            // 404 for an unknown id on every route, and for bad query values 400.
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/sweeps/ffffffffffff"), (.post, "/api/v1/sweeps/ffffffffffff/stop"), (.delete, "/api/v1/sweeps/ffffffffffff")] {
                let reply = try await client.call(method, path)
                #expect(reply.status == .notFound)
                #expect(reply.text == #"{"error":{"code":"SWEEP_NOT_FOUND","details":{"sweep_id":"ffffffffffff"},"message":"no sweep with id 'ffffffffffff'"}}"#)
            }

            // A long sweep: one at a time, no delete while it runs, stop keeps the finished cells.
            let start = try await client.call(.post, "/api/v1/sweeps", json: Self.largeBody)
            #expect(start.status == .accepted)
            let id = try #require(start.object["sweep_id"] as? String)
            #expect(start.object["progress"] as? [String: Int] == ["stage": 0, "done": 0, "total": 2_000])
            let second = try await client.call(.post, "/api/v1/sweeps", json: Self.smallBody)
            #expect(second.status == .conflict)
            #expect(second.text == #"{"error":{"code":"SWEEP_ACTIVE","details":{"active_sweep_id":"\#(id)"},"message":"sweep \#(id) is running; stop it or wait for it to end"}}"#)
            let deleting = try await client.call(.delete, "/api/v1/sweeps/\(id)")
            #expect(deleting.status == .conflict)
            #expect(deleting.errorCode == "SWEEP_ACTIVE")
            #expect(try await client.call(.get, "/api/v1/sweeps/ffffffffffff").status == .notFound)
            // Wait for a finished cell (progress is live in GET), then stop.
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let body = try await client.call(.get, "/api/v1/sweeps/\(id)").object
                #expect(body["status"] as? String == "running")
                if ((body["progress"] as? [String: Int])?["done"] ?? 0) >= 1 { break }
                guard ContinuousClock.now < deadline else { throw TestFailure("no cell finished") }
                try await Task.sleep(for: .milliseconds(10))
            }
            let stop = try await client.call(.post, "/api/v1/sweeps/\(id)/stop")
            #expect(stop.status == .ok)
            #expect(stop.text == #"{"status":"stopped","sweep_id":"\#(id)"}"#)
            let stopped = try await client.call(.get, "/api/v1/sweeps/\(id)?limit=1000").object
            #expect(stopped["status"] as? String == "stopped")
            let done = try #require((stopped["progress"] as? [String: Int])?["done"])
            #expect(done >= 1 && done < 2_000)
            #expect(stopped["cells_total"] as? Int == done)
            #expect((stopped["cells"] as? [Any])?.count == done)
            #expect((stopped["summary"] as? [String: Int])?["cells"] == done)
            // Stop again answers the status; a new sweep may start now.
            #expect(try await client.call(.post, "/api/v1/sweeps/\(id)/stop").text == #"{"status":"stopped","sweep_id":"\#(id)"}"#)
            let deleted = try await client.call(.delete, "/api/v1/sweeps/\(id)")
            #expect(deleted.status == .ok)
            #expect(deleted.text == #"{"deleted":true,"sweep_id":"\#(id)"}"#)
            #expect(try await client.call(.get, "/api/v1/sweeps/\(id)").errorCode == "SWEEP_NOT_FOUND")
            #expect(try await client.call(.get, "/api/v1/sweeps").object["total"] as? Int == 0)
        }
    }

    @Test("results survive a restart; a sweep left running is marked interrupted on start-up")
    func restart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        fixedClock(&configuration)
        let before = Mutex<(id: String, text: String)>(("", ""))
        try await buildApplication(configuration: configuration).test(.router) { client in
            let id = try #require(try await client.call(.post, "/api/v1/sweeps", json: Self.smallBody).object["sweep_id"] as? String)
            _ = try await Self.waitForSweep(client, id, ["completed"])
            let text = try await client.call(.get, "/api/v1/sweeps/\(id)?sort=objective").text
            before.withLock { $0 = (id, text) }
        }
        // What a process that died mid-sweep leaves behind.
        let database = try await Database.open(directory: DataDirectory(path: directory.path + "/data"))
        try await database.sweeps.create(SweepRecord(
            id: "0000000000aa", name: nil, status: "running", createdAt: fixedNow, configJSON: #"{"strategy":"MovingAverageCross"}"#,
            timeframe: "1h", exchange: "sim", total: 8))
        await database.close()

        try await buildApplication(configuration: configuration).test(.router) { client in
            let (id, text) = before.withLock { $0 }
            #expect(try await client.call(.get, "/api/v1/sweeps/\(id)?sort=objective").text == text)
            let interrupted = try await client.call(.get, "/api/v1/sweeps/0000000000aa").object
            #expect(interrupted["status"] as? String == "interrupted")
            #expect(interrupted["end_time"] is String)
            #expect(interrupted["cells_total"] as? Int == 0)
            #expect(interrupted["progress"] as? [String: Int] == ["stage": 0, "done": 0, "total": 8])
            let list = try await client.call(.get, "/api/v1/sweeps").object
            #expect((list["sweeps"] as? [[String: Any]])?.map { $0["status"] as? String } == ["interrupted", "completed"])
        }
    }

    @Test("the WebSocket carries sweep_update: running, then completed with every cell done")
    func webSocket() async throws {
        try await withTestApplication(.live, configure: fixedClock) { client in
            let port = try #require(client.port)
            let frames = Mutex<[String]>([])
            let connected = Mutex(false)
            let socket = Task {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws/status", logger: Logger(label: "ws-test")) { inbound, _, _ in
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = frame else { continue }
                        connected.withLock { $0 = true }
                        frames.withLock { $0.append(text) }
                        if text.contains(#""type":"sweep_update""#) && text.contains(#""status":"completed""#) { return }
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !connected.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let id = try #require(try await client.call(.post, "/api/v1/sweeps", json: Self.smallBody).object["sweep_id"] as? String)
            _ = try await socket.value
            let updates = frames.withLock { $0 }.compactMap { text -> [String: Any]? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      object["type"] as? String == "sweep_update" else { return nil }
                return object["payload"] as? [String: Any]
            }
            let first = try #require(updates.first)
            #expect(Set(first.keys) == ["sweep_id", "status", "progress", "eta_seconds"])
            #expect(first["sweep_id"] as? String == id)
            #expect(first["status"] as? String == "running")
            #expect(first["progress"] as? [String: Int] == ["stage": 0, "done": 0, "total": 6])
            #expect(first["eta_seconds"] is NSNull)
            let last = try #require(updates.last)
            #expect(last["status"] as? String == "completed")
            #expect(last["progress"] as? [String: Int] == ["stage": 0, "done": 6, "total": 6])
            #expect(last["eta_seconds"] is NSNull)
        }
    }

    @Test("Idempotency-Key: the same key and body answer the first sweep again")
    func idempotency() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("Idempotency-Key")!] = "sweep-key-1"
            let first = try await client.execute(uri: "/api/v1/sweeps", method: .post, headers: headers, body: ByteBuffer(string: Self.smallBody)) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(first.0 == .accepted)
            let again = try await client.execute(uri: "/api/v1/sweeps", method: .post, headers: headers, body: ByteBuffer(string: Self.smallBody)) {
                ($0.status, String(buffer: $0.body), $0.headers[HTTPField.Name("Idempotent-Replayed")!])
            }
            #expect(again.0 == .accepted)
            #expect(again.1 == first.1)
            #expect(again.2 == "true")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(first.1.utf8)) as? [String: Any])?["sweep_id"] as? String)
            _ = try await Self.waitForSweep(client, id, ["completed"])
            #expect(try await client.call(.get, "/api/v1/sweeps").object["total"] as? Int == 1)
        }
    }

    /// Polls `GET /sweeps/{id}` until its status is one of `wanted`.
    static func waitForSweep(_ client: some TestClientProtocol, _ id: String, _ wanted: Set<String>) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let body = try await client.call(.get, "/api/v1/sweeps/\(id)").object
            if let status = body["status"] as? String, wanted.contains(status) { return body }
            guard ContinuousClock.now < deadline else { throw TestFailure("sweep \(id) stayed \(body["status"] ?? "?")") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    static func cellIDs(_ client: some TestClientProtocol, _ id: String, _ query: String) async throws -> [String] {
        let body = try await client.call(.get, "/api/v1/sweeps/\(id)?\(query)").object
        return (body["cells"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }
}
