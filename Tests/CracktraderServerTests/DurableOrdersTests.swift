import CracktraderServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Orders and fills of a paper run survive the process dying mid-run (docs/storage.md, "Order
/// journal"): what the API showed before the crash is listed by `/api/v1/runs/{id}` after it.
@Suite("Durable orders: a paper run's orders and fills survive a crash")
struct DurableOrdersTests {
    /// Buys on its first bar (fills at the second bar's open) and then only holds: after the fill
    /// nothing about orders or fills changes, so "what was acknowledged" is stable.
    static let paperBody = #"""
        {"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1m","mode":"paper","speed":120}
        """#

    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    /// Sorted-key JSON of a value from a decoded document, for exact comparison.
    static func canonical(_ value: Any) -> String {
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @Test("in process: a second server on the same database (the first never shuts down) lists the acknowledged orders and fills; the run is failed/interrupted")
    func reopenAfterCrash() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let configuration = ServerConfiguration(port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
        let first = try await buildApplication(configuration: configuration)
        try await first.test(.router) { client in
            let start = try await client.call(.post, "/api/v1/run/live", json: Self.paperBody)
            #expect(start.status == .ok)
            let runID = try #require(start.object["run_id"] as? String)
            // Wait until the API acknowledges a filled order and its fill.
            var acknowledged: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                acknowledged = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                if !Self.list(acknowledged["fills"]).isEmpty { break }
                guard ContinuousClock.now < deadline else { throw TestFailure("no fill within 20 s: \(acknowledged)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            let orders = Self.list(acknowledged["orders"])
            let fills = Self.list(acknowledged["fills"])
            #expect(orders.count == 1)
            #expect(orders.first?["status"] as? String == "filled")
            #expect(orders.first?["client_order_id"] as? String == "ct\(runID)1")
            #expect(fills.count == 1)
            #expect(fills.first?["order_id"] as? Int == 1)
            #expect(fills.first?["client_order_id"] as? String == "ct\(runID)1")
            #expect(Set(fills.first?.keys.map { $0 } ?? []) == ["id", "order_id", "client_order_id", "symbol", "side", "quantity", "price", "fee", "is_maker", "time"])

            let expectedOrders = Self.canonical(orders)
            let expectedFills = Self.canonical(fills)
            // "Restart": a new process opens the same file while the old one is still mid-run
            // and never ran its shutdown.
            let second = try await buildApplication(configuration: configuration)
            try await second.test(.router) { client in
                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0")
                #expect(stored.status == .ok)
                #expect(Set(stored.object.keys) == RunLifecycleTests.resultKeys)
                #expect(stored.object["status"] as? String == "failed")
                #expect(stored.object["error"] as? String == "interrupted")
                #expect(stored.object["mode"] as? String == "paper")
                #expect(Self.canonical(Self.list(stored.object["orders"])) == expectedOrders)
                #expect(Self.canonical(Self.list(stored.object["fills"])) == expectedFills)
                #expect(Self.list(stored.object["trades"]).count == 1)
                #expect(Self.list(stored.object["trades"]).first?["status"] as? String == "open")
                let listed = Self.list(try await client.call(.get, "/api/v1/runs").object["runs"]).first
                #expect(listed?["run_id"] as? String == runID)
                #expect(listed?["status"] as? String == "failed")
                #expect(listed?["error"] as? String == "interrupted")
                // The new process is idle: the interrupted run is never resumed.
                #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
            }
            // Let the first "process" end its run so nothing keeps running after the test.
            _ = try await client.call(.post, "/api/v1/run/stop")
            try await client.waitForStatus(["stopped", "completed", "failed"])
        }
    }

    @Test("kill -9 of the real binary during a paper run: after a restart the orders and fills are listed and the run is failed/interrupted")
    func killNine() async throws {
        guard let binary = CracktraderBinary.path else {
            print("DurableOrdersTests.killNine skipped: no built .build/debug/cracktrader binary next to the package (run swift build first)")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dataDirectory = directory.path + "/data"

        let server = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory)
        var orders: [[String: Any]] = []
        var fills: [[String: Any]] = []
        var runID = ""
        do {
            let start = try await server.call("POST", "/api/v1/run/live", body: Self.paperBody)
            runID = try #require(start.object["run_id"] as? String)
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                let document = try await server.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
                fills = Self.list(document["fills"])
                orders = Self.list(document["orders"])
                if !fills.isEmpty { break }
                guard ContinuousClock.now < deadline else { throw TestFailure("no fill within 20 s") }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await server.call("GET", "/api/v1/status").object["status"] as? String == "running")
        } catch {
            server.kill()
            throw error
        }
        server.kill()  // SIGKILL: no shutdown, no final save

        let restarted = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory)
        defer { restarted.kill() }
        let stored = try await restarted.call("GET", "/api/v1/runs/\(runID)?max_points=0")
        #expect(stored.status == 200)
        #expect(stored.object["status"] as? String == "failed")
        #expect(stored.object["error"] as? String == "interrupted")
        #expect(orders.count == 1)
        #expect(fills.count == 1)
        #expect(Self.canonical(Self.list(stored.object["orders"])) == Self.canonical(orders))
        #expect(Self.canonical(Self.list(stored.object["fills"])) == Self.canonical(fills))
    }
}

/// The `cracktrader` executable SwiftPM built next to this package, run as a child process.
struct CracktraderBinary {
    let process: Process
    let port: Int

    /// `.build/debug/cracktrader` under the package root, when it exists.
    static var path: String? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let candidate = url.appendingPathComponent(".build/debug/cracktrader").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Starts `cracktrader serve` on 127.0.0.1 and a free port (offline, no venue traffic) and
    /// waits for its "is running" line.
    /// `online`: without `--offline`, for sandbox runs against a local venue (the test gives it
    /// the venue's 127.0.0.1 URL; nothing else is contacted). `environment` is added to the child's.
    static func serve(
        binary: String, dataDirectory: String, online: Bool = false, environment: [String: String] = [:]
    ) async throws -> CracktraderBinary {
        // Reading the pipe blocks: a Dispatch thread, not the cooperative pool.
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try blockingServe(binary: binary, dataDirectory: dataDirectory, online: online, environment: environment)
                })
            }
        }
    }

    private static func blockingServe(
        binary: String, dataDirectory: String, online: Bool, environment: [String: String]
    ) throws -> CracktraderBinary {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory, "--log-level", "error"]
            + (online ? [] : ["--offline"])
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The banner names the bound port: "… Dashboard: http://127.0.0.1:PORT/ui".
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)/ui"#, options: .regularExpression) {
                let digits = text[range].dropFirst("127.0.0.1:".count).dropLast("/ui".count)
                if let port = Int(digits) { return CracktraderBinary(process: process, port: port) }
            }
        }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("cracktrader serve did not report its port: \(text)")
    }

    /// SIGKILL to this process only (by its pid), then reaps it.
    func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    struct Reply {
        let status: Int
        let text: String
        var object: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
    }

    func call(_ method: String, _ path: String, body: String? = nil) async throws -> Reply {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body {
            request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            request += "\r\n"
        }
        let reply = try await RawHTTP.exchange(port: port, request: request)
        let status = Int(reply.statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Reply(status: status, text: reply.body)
    }
}
