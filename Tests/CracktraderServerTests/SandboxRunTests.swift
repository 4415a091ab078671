import AsyncHTTPClient
import CracktraderServer
import DataAccess
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import VenueTestServers
import WSClient

/// Sandbox runs through the HTTP API against a local server that speaks Binance's REST protocol
/// and checks every signature as Binance documents it (`VenueTestServers/Binance`).
@Suite("Sandbox runs: real orders on a (local) venue testnet, start to stop")
struct SandboxRunTests {
    static let apiKey = BinanceTestServer.defaultAPIKey
    static let secret = BinanceTestServer.defaultSecret

    /// Runs `body` against a server whose runner reaches venues through a real HTTP client, with
    /// the Binance test keys in its environment and fast polling.
    static func withServer(
        environment: [String: String] = ["CRACKTRADER_BINANCE_API_KEY": apiKey, "CRACKTRADER_BINANCE_SECRET": secret],
        dataDirectory: String, requestTimeout: Double = 5,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var configuration = ServerConfiguration(port: 0, dataDirectory: dataDirectory, logLevel: .critical)
            var runner = RunnerOptions(
                makeDataResolver: { store in DataResolver(store: store, httpClient: httpClient) },
                environment: { environment[$0] })
            runner.venuePollInterval = .milliseconds(100)
            runner.venueFeedSettle = .milliseconds(50)
            // Generous: the suite runs in parallel with everything else on two cores.
            runner.venueRequestTimeoutSeconds = requestTimeout
            configuration.runner = runner
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in try await body(client) }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    static func body(_ baseURL: String, strategy: String = "BuyAndHold", params: String = #"{"stake":0.5}"#, extra: String = "") -> String {
        #"{"strategy_name":"\#(strategy)","strategy_params":\#(params),"symbols":["BTC/USDT"],"timeframe":"1s","exchange":"binance","mode":"live","exchange_config":{"sandbox":true,"base_url":"\#(baseURL)"}\#(extra)}"#
    }

    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    /// Polls the run document until `done` holds.
    static func waitForRun(
        _ client: any TestClientProtocol, _ runID: String, timeout: Duration = .seconds(20), _ done: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let document = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
            if done(document) { return document }
            guard ContinuousClock.now < deadline else { throw TestFailure("run \(runID) did not get there: \(document)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a BuyAndHold sandbox run: the order is committed, sent once with its client order id, filled by the venue, booked exactly; stop answers what it cancelled")
    func fullSandboxRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        try await venue.run { baseURL in
            try await Self.withServer(dataDirectory: directory.path + "/data") { client in
                let start = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL))
                #expect(start.status == .ok, "\(start.text)")
                let runID = try #require(start.object["run_id"] as? String)
                #expect(start.object["message"] as? String == "sandbox run on the binance testnet started")
                let status = try await client.call(.get, "/api/v1/status").object
                #expect(status["mode"] as? String == "sandbox")
                #expect(status["exchange"] as? String == "binance")

                let document = try await Self.waitForRun(client, runID) { !Self.list($0["fills"]).isEmpty }
                let order = try #require(Self.list(document["orders"]).first)
                let fill = try #require(Self.list(document["fills"]).first)
                #expect(Self.list(document["orders"]).count == 1)
                #expect(order["client_order_id"] as? String == "ct\(runID)1")
                #expect(order["status"] as? String == "filled")
                #expect(document["mode"] as? String == "sandbox")

                // Exactly one place request reached the venue, signed, with our client order id.
                let places = venue.requests("POST", "/api/v3/order")
                #expect(places.count == 1)
                let sent = try #require(places.first)
                #expect(sent.parameters["newClientOrderId"] == "ct\(runID)1")
                #expect(sent.parameters["side"] == "BUY")
                #expect(sent.parameters["type"] == "MARKET")
                let quantityText = try #require(sent.parameters["quantity"])
                let quantity = try #require(Double(quantityText))
                // On the venue's step (0.00001) and ≈ half the cash at ≈ 30,000.
                #expect((quantity * 100_000).rounded() == quantity * 100_000)
                #expect(quantity > 0.16 && quantity < 0.17)

                // The venue filled it whole at its price, 30,000, with 0.1 % commission in BTC.
                #expect(order["quantity"] as? Double == quantity)
                #expect(order["filled_quantity"] as? Double == quantity)
                #expect(order["average_fill_price"] as? Double == 30_000)
                #expect(fill["quantity"] as? Double == quantity)
                #expect(fill["price"] as? Double == 30_000)
                let fee = try #require(fill["fee"] as? Double)
                #expect(abs(fee - quantity * 0.001 * 30_000) < 1e-9)

                // Balances as the venue reports them, in /status/detailed.
                // (The first snapshot is taken at start, before the fill; polls refresh it.)
                let detailed = try await Self.waitForDetailed(client) { document in
                    Self.list(document["balances"]).contains { $0["asset"] as? String == "BTC" && ($0["free"] as? Double ?? 0) > 1 }
                }
                let balances = Dictionary(uniqueKeysWithValues: Self.list(detailed["balances"]).compactMap { row -> (String, Double)? in
                    guard let asset = row["asset"] as? String, let free = row["free"] as? Double else { return nil }
                    return (asset, free)
                })
                #expect(abs((balances["USDT"] ?? 0) - (10_000 - quantity * 30_000)) < 1e-6)
                #expect(abs((balances["BTC"] ?? 0) - (1 + quantity * 0.999)) < 1e-9)
                #expect(Self.list(detailed["open_orders"]).isEmpty)
                // The books: cash moved by exactly the fill.
                let cash = try #require(detailed["cash"] as? Double)
                #expect(abs(cash - (10_000 - quantity * 30_000 - fee)) < 1e-6)

                let stop = try await client.call(.post, "/api/v1/run/stop")
                #expect(stop.status == .ok)
                #expect(stop.object["status"] as? String == "stopped")
                #expect(stop.object["cancelled_orders"] as? [String] == [])
                // Nothing else was sent: no resend, no cancel.
                #expect(venue.requests("POST", "/api/v3/order").count == 1)
                #expect(venue.requests("DELETE", "/api/v3/order").isEmpty)

                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                #expect(stored["status"] as? String == "stopped")
                #expect(Self.list(stored["orders"]).first?["status"] as? String == "filled")
                #expect(Self.list(stored["fills"]).count == 1)
                let config = try #require(stored["config"] as? [String: Any])
                #expect(config["mode"] as? String == "live")
                #expect(config["cancel_open_orders_on_stop"] as? Bool == true)
            }
        }
    }

    static func waitForDetailed(_ client: any TestClientProtocol, _ done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let document = try await client.call(.get, "/api/v1/status/detailed").object
            if done(document) { return document }
            guard ContinuousClock.now < deadline else { throw TestFailure("status/detailed never matched: \(document)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a paper run on the venue's live candles: simulated fills, no keys, nothing sent to the venue")
    func paperOnVenueCandles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await httpClient.shutdown() } }
        try await venue.run { baseURL in
            var configuration = ServerConfiguration(port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
            configuration.runner = RunnerOptions(
                makeDataResolver: { store in DataResolver(store: store, httpClient: httpClient, baseURLs: ["binance": baseURL]) },
                environment: { _ in nil })
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let body = #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1s","exchange":"binance","mode":"paper","max_bars":3}"#
                let start = try await client.call(.post, "/api/v1/run/live", json: body)
                #expect(start.status == .ok, "\(start.text)")
                let runID = try #require(start.object["run_id"] as? String)
                let final = try await client.waitForStatus(["completed", "failed", "stopped"], timeout: .seconds(30))
                #expect(final["status"] as? String == "completed")
                #expect(final["mode"] as? String == "paper")
                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                let orders = Self.list(stored["orders"])
                #expect(orders.count == 1)
                #expect(orders.first?["status"] as? String == "filled")
                #expect(stored["bars_processed"] as? Int == 3)
                // Candles came from the venue; no order, balance or signed call did.
                #expect(!venue.requests("GET", "/api/v3/klines").isEmpty)
                #expect(venue.requests("POST", "/api/v3/order").isEmpty)
                #expect(venue.requests("GET", "/api/v3/account").isEmpty)
            }
        }
    }

    @Test("a place whose answer times out is found by client order id, never resent")
    func timeoutButPlaced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        // The place answer is held 4 s; the runner gives up on it after 2 s.
        let venue = BinanceTestServer(timeoutDelay: .seconds(4))
        venue.failNextPlace(.timeoutButPlaced)
        try await venue.run { baseURL in
            try await Self.withServer(dataDirectory: directory.path + "/data", requestTimeout: 2) { client in
                let start = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL))
                let runID = try #require(start.object["run_id"] as? String)
                let document = try await Self.waitForRun(client, runID) { !Self.list($0["fills"]).isEmpty }
                #expect(Self.list(document["orders"]).first?["status"] as? String == "filled")
                #expect(venue.requests("POST", "/api/v3/order").count == 1)
                let queries = venue.requests("GET", "/api/v3/order")
                #expect(!queries.isEmpty)
                #expect(queries.first?.parameters["origClientOrderId"] == "ct\(runID)1")
                _ = try await client.call(.post, "/api/v1/run/stop")
            }
        }
    }

    @Test("a venue that cannot be reached answers 503 EXCHANGE_UNREACHABLE and starts nothing")
    func unreachable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try await Self.withServer(dataDirectory: directory.path + "/data") { client in
            // Port 9 (discard) on loopback: nothing listens there.
            let start = try await client.call(.post, "/api/v1/run/live", json: Self.body("http://127.0.0.1:9"))
            #expect(start.status == .serviceUnavailable)
            #expect(start.errorCode == "EXCHANGE_UNREACHABLE")
            #expect(start.errorDetails["exchange"] as? String == "binance")
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
            #expect(try await client.call(.get, "/api/v1/runs").object["total"] as? Int == 0)
        }
    }

    @Test("keys the venue refuses answer 401 EXCHANGE_AUTH_FAILED without echoing them")
    func badKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        let wrongSecret = "wrongSecretCanary-7f3a9c"
        try await venue.run { baseURL in
            try await Self.withServer(
                environment: ["CRACKTRADER_BINANCE_API_KEY": Self.apiKey, "CRACKTRADER_BINANCE_SECRET": wrongSecret],
                dataDirectory: directory.path + "/data"
            ) { client in
                let start = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL))
                #expect(start.status == .unauthorized)
                #expect(start.errorCode == "EXCHANGE_AUTH_FAILED")
                #expect(!start.text.contains(wrongSecret))
                #expect(!start.text.contains(Self.apiKey))
                #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
            }
        }
    }

    @Test("max_daily_loss stops the run once the value has fallen that far since 00:00 UTC")
    func maxDailyLoss() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        // The venue fills at 40,000 while its candles stay near 30,000: the position is worth a
        // quarter less than it cost (≈ 1,660 USDT) as soon as it is booked.
        venue.setPrice(40_000)
        try await venue.run { baseURL in
            try await Self.withServer(dataDirectory: directory.path + "/data") { client in
                let start = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL, extra: #","max_daily_loss":100"#))
                let runID = try #require(start.object["run_id"] as? String)
                let final = try await client.waitForStatus(["failed", "stopped", "completed"])
                #expect(final["status"] as? String == "failed")
                let error = try #require(final["error"] as? String)
                #expect(error.hasPrefix("max_daily_loss reached"))
                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                #expect(Self.list(stored["fills"]).count == 1)
            }
        }
    }
}

/// `kill -9` of the real binary during a sandbox run with open orders on the (local) venue, a fill
/// while it is down, and the restart's reconciliation by client order id.
@Suite("Sandbox crash: reconciliation on restart")
struct SandboxCrashTests {
    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    @Test("kill -9 with two orders open on the venue; one fills while down; the restart records the fill, lists the other, and cancels it when asked")
    func killNineAndReconcile() async throws {
        guard let binary = CracktraderBinary.path else {
            print("SandboxCrashTests.killNineAndReconcile skipped: no built .build/debug/cracktrader binary next to the package (run swift build first)")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dataDirectory = directory.path + "/data"
        let venue = BinanceTestServer()
        // Market orders rest on this venue until the test fills them: the run's two buys stay open.
        venue.setMarketOrdersRest(true)
        let environment = [
            "CRACKTRADER_BINANCE_API_KEY": BinanceTestServer.defaultAPIKey,
            "CRACKTRADER_BINANCE_SECRET": BinanceTestServer.defaultSecret,
        ]
        try await venue.run { baseURL in
            let server = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory, online: true, environment: environment)
            defer { server.kill() }
            let body = #"{"strategy_name":"BuyAndHold","strategy_params":{"stake":0.5},"symbols":["BTC/USDT","ETH/USDT"],"timeframe":"1s","exchange":"binance","mode":"live","exchange_config":{"sandbox":true,"base_url":"\#(baseURL)"}}"#
            let start = try await server.call("POST", "/api/v1/run/live", body: body)
            #expect(start.status == 200, "\(start.text)")
            let runID = try #require(start.object["run_id"] as? String)
            var open: [[String: Any]] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while open.count < 2 {
                let document = try await server.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
                open = Self.list(document["orders"]).filter { $0["status"] as? String == "accepted" }
                guard ContinuousClock.now < deadline else { throw TestFailure("two open orders never showed within 30 s: \(document)") }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.kill()

            // While the process is down, the BTC buy fills on the venue.
            let btc = try #require(open.first { $0["symbol"] as? String == "BTC/USDT" })
            let eth = try #require(open.first { $0["symbol"] as? String == "ETH/USDT" })
            let btcID = try #require(btc["client_order_id"] as? String)
            let ethID = try #require(eth["client_order_id"] as? String)
            let quantity = try #require(btc["quantity"] as? Double)
            try venue.fill(clientOrderId: btcID, quantity: quantity)

            let restarted = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory, online: true, environment: environment)
            defer { restarted.kill() }
            var reconciliation: [String: Any] = [:]
            var stored: [String: Any] = [:]
            let reconcileDeadline = ContinuousClock.now + .seconds(20)
            while reconciliation.isEmpty {
                stored = try await restarted.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
                reconciliation = stored["reconciliation"] as? [String: Any] ?? [:]
                guard ContinuousClock.now < reconcileDeadline else { throw TestFailure("no reconciliation within 20 s: \(stored)") }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(stored["status"] as? String == "failed")
            #expect(stored["error"] as? String == "interrupted")
            #expect(reconciliation["status"] as? String == "reconciled")
            #expect(reconciliation["fills_recorded"] as? Int == 1)
            #expect(reconciliation["decision"] is NSNull || reconciliation["decision"] == nil)
            #expect(Self.list(reconciliation["open_orders"]).map { $0["client_order_id"] as? String } == [ethID])
            let orders = Self.list(stored["orders"])
            #expect(orders.first { $0["client_order_id"] as? String == btcID }?["status"] as? String == "filled")
            #expect(orders.first { $0["client_order_id"] as? String == ethID }?["status"] as? String == "accepted")
            let fills = Self.list(stored["fills"])
            #expect(fills.count == 1)
            #expect(fills.first?["client_order_id"] as? String == btcID)
            #expect(fills.first?["quantity"] as? Double == quantity)
            #expect(fills.first?["price"] as? Double == 30_000)
            // /status names the run; it is not resumed.
            let status = try await restarted.call("GET", "/api/v1/status").object
            #expect(status["status"] as? String == "idle")
            let interrupted = Self.list(status["interrupted_runs"])
            #expect(interrupted.map { $0["run_id"] as? String } == [runID])
            #expect(interrupted.first?["open_orders"] as? Int == 1)

            // The user cancels the rest.
            let cancelled = try await restarted.call("POST", "/api/v1/runs/\(runID)/open-orders/cancel")
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(cancelled.object["decision"] as? String == "cancelled")
            #expect(cancelled.object["cancelled_orders"] as? [String] == [ethID])
            #expect(venue.requests("DELETE", "/api/v3/order").map { $0.parameters["origClientOrderId"] } == [ethID])
            let again = try await restarted.call("POST", "/api/v1/runs/\(runID)/open-orders/cancel")
            #expect(again.status == 409)
            #expect(Self.list(try await restarted.call("GET", "/api/v1/status").object["interrupted_runs"]).isEmpty)
            let after = try await restarted.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
            #expect(Self.list(after["orders"]).first { $0["client_order_id"] as? String == ethID }?["status"] as? String == "cancelled")
        }
    }
}

/// The secrets rule for a run that really uses its keys: a sandbox run signs every request with
/// canary keys, and none of them reaches a response, a WebSocket message, the log or the database.
@Suite("Sandbox secrets: canary keys of a trading run")
struct SandboxSecretsTests {
    static let key = "CANARY-SBX-KEY-4e7d1a"
    static let secret = "CANARY-SBX-SECRET-b93c52"

    @Test("a sandbox run with canary keys in the request: no response, WebSocket message, log line or database byte contains them")
    func canaryKeys() async throws {
        let logs = CapturedLog()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer(apiKey: Self.key, secret: Self.secret)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await httpClient.shutdown() } }
        try await venue.run { baseURL in
            var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .trace)
            var runner = RunnerOptions(makeDataResolver: { store in DataResolver(store: store, httpClient: httpClient) }, environment: { _ in nil })
            runner.venuePollInterval = .milliseconds(100)
            runner.venueFeedSettle = .milliseconds(50)
            configuration.runner = runner
            configuration.logHandlerFactory = { label in logs.handler(label: label) }
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let frames = Mutex<[String]>([])
                let socket = Task {
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws/status", logger: Logger(label: "ws-test")) { inbound, _, _ in
                        for try await frame in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = frame else { continue }
                            frames.withLock { $0.append(text) }
                            if text.contains(#""status":"stopped""#) && text.contains("status_update") { return }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
                var replies: [String] = []
                let body = #"{"strategy_name":"BuyAndHold","strategy_params":{"stake":0.5},"symbols":["BTC/USDT"],"timeframe":"1s","exchange":"binance","mode":"live","exchange_config":{"sandbox":true,"base_url":"\#(baseURL)","apiKey":"\#(Self.key)","secret":"\#(Self.secret)"}}"#
                let start = try await client.call(.post, "/api/v1/run/live", json: body)
                #expect(start.status == .ok, "\(start.text)")
                replies.append(start.text)
                let runID = try #require(start.object["run_id"] as? String)
                _ = try await SandboxRunTests.waitForRun(client, runID) { !SandboxRunTests.list($0["fills"]).isEmpty }
                // The venue saw the key on every signed request.
                #expect(venue.requests("POST", "/api/v3/order").first?.apiKey == Self.key)
                for path in ["/api/v1/status", "/api/v1/status/detailed", "/api/v1/results", "/api/v1/runs", "/api/v1/runs/\(runID)", "/api/v1/health"] {
                    replies.append(try await client.call(.get, path).text)
                }
                replies.append(try await client.call(.post, "/api/v1/run/stop").text)
                try await client.waitForStatus(["stopped"])
                _ = try await socket.value
                let messages = frames.withLock { $0 }
                #expect(messages.contains { $0.contains(#""type":"fill""#) })
                #expect(messages.contains { $0.contains(#""type":"balances""#) })
                let logText = logs.text
                #expect(!logText.isEmpty)
                for canary in [Self.key, Self.secret] {
                    #expect(!replies.contains { $0.contains(canary) }, "a response contains \(canary)")
                    #expect(!messages.contains { $0.contains(canary) }, "a WebSocket message contains \(canary)")
                    #expect(!logText.contains(canary), "the log contains \(canary)")
                }
            }
        }
        let dataDirectory = directory.path + "/data"
        let files = try FileManager.default.contentsOfDirectory(atPath: dataDirectory).filter { $0.hasPrefix("cracktrader.sqlite") }
        #expect(files.contains("cracktrader.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/" + file))
            for canary in [Self.key, Self.secret] {
                #expect(bytes.range(of: Data(canary.utf8)) == nil, "\(file) contains \(canary)")
            }
        }
    }
}
