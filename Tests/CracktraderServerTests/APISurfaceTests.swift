@testable import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import Testing
import WSClient

@Suite("Catalogs, health, metrics, OpenAPI and the WebSocket")
struct APISurfaceTests {
    @Test("GET /strategies: each strategy with its parameter form fields")
    func strategies() async throws {
        try await withTestApplication { client in
            let reply = try await client.call(.get, "/api/v1/strategies")
            #expect(reply.status == .ok)
            let strategies = try #require(reply.object["strategies"] as? [[String: Any]])
            let cross = try #require(strategies.first { $0["name"] as? String == "MovingAverageCross" })
            #expect(Set(cross.keys) == ["name", "description", "parameters"])
            let parameters = try #require(cross["parameters"] as? [[String: Any]])
            let fast = try #require(parameters.first { $0["name"] as? String == "fast_period" })
            #expect(Set(fast.keys) == ["name", "type", "default", "min", "max", "description", "choices"])
            #expect(fast["type"] as? String == "int")
            #expect(fast["default"] as? Int == 10)
            #expect(fast["choices"] is NSNull)
            #expect(strategies.contains { $0["name"] as? String == "TestStrategy" })
        }
    }

    @Test("GET /exchanges: capabilities with credential fields and fees")
    func exchanges() async throws {
        try await withTestApplication { client in
            let exchanges = try #require(try await client.call(.get, "/api/v1/exchanges").object["exchanges"] as? [[String: Any]])
            #expect(exchanges.first?["id"] as? String == "sim")
            let okx = try #require(exchanges.first { $0["id"] as? String == "okx" })
            for key in ["id", "display_name", "timeframes", "modes", "sandbox_notes", "credential_fields", "fees"] {
                #expect(okx.keys.contains(key))
            }
            let fields = try #require(okx["credential_fields"] as? [[String: Any]])
            #expect(fields.map { $0["name"] as? String } == ["apiKey", "secret", "password"])
            #expect(fields.map { $0["secret"] as? Bool } == [false, true, true])
            #expect((okx["fees"] as? [String: Double])?["maker"] == 0.0008)
        }
    }

    @Test("GET /candles: sim OHLCV rows for a range; errors for bad input")
    func candles() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let reply = try await client.call(
                .get, "/api/v1/candles?exchange=sim&symbol=BTC/USDT&timeframe=1h&start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z")
            #expect(reply.status == .ok)
            let rows = try #require(reply.object["candles"] as? [[Double]])
            #expect(rows.count == 24)
            #expect(rows.first?.count == 6)
            #expect(rows.first?[0] == 1_704_067_200_000)
            #expect(rows.allSatisfy { $0[2] >= $0[3] })
            #expect(try await client.call(.get, "/api/v1/candles?timeframe=1h").errorCode == "VALIDATION_ERROR")
            #expect(try await client.call(.get, "/api/v1/candles?symbol=BTC/USDT&timeframe=9x").errorCode == "INVALID_TIMEFRAME")
            #expect(try await client.call(.get, "/api/v1/candles?symbol=BTC/USDT&exchange=nope").errorCode == "UNKNOWN_EXCHANGE")
            #expect(try await client.call(.get, "/api/v1/candles?symbol=BTC/USDT&start=2024-02-01&end=2024-01-01").errorCode == "INVALID_DATE_RANGE")
        }
    }

    @Test("GET /health: real checks and the issue's metrics")
    func health() async throws {
        try await withTestApplication { client in
            let body = try await client.call(.get, "/api/v1/health").object
            #expect(body["status"] as? String == "healthy")
            let checks = try #require(body["checks"] as? [String: [String: Any]])
            for name in ["storage", "runner", "market_data", "disk", "data_directory", "uptime"] {
                #expect(checks[name]?["status"] as? String == "pass", "check \(name)")
            }
            let metrics = try #require(body["metrics"] as? [String: Any])
            #expect(Set(metrics.keys) == ["uptime_seconds", "runs_total", "runs_failed", "active_websockets", "requests_total", "memory_rss_bytes"])
            #expect((metrics["memory_rss_bytes"] as? Int ?? 0) > 1_000_000)
        }
    }

    @Test("GET /metrics: Prometheus text with requests by route and runs by outcome")
    func metrics() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            _ = try await client.call(.get, "/api/v1/status")
            _ = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            try await client.waitForStatus(["completed"])
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            #expect(text.contains(#"cracktrader_http_requests_total{method="GET",route="/api/v1/status",status="200"}"#))
            #expect(text.contains("cracktrader_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"cracktrader_runs_total{outcome="completed"} 1"#))
            #expect(text.contains("cracktrader_backtest_bars_per_second"))
            #expect(text.contains("cracktrader_websocket_clients"))
        }
    }

    @Test("GET /openapi.json: OpenAPI 3.1 documenting every route of the catalog and every error code")
    func openAPI() async throws {
        try await withTestApplication { client in
            let document = try await client.call(.get, "/api/v1/openapi.json").object
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let meta = try await client.call(.get, "/api/v1/meta").object
            let endpoints = try #require(meta["endpoints"] as? [[String: String]])
            #expect(endpoints.count >= 20)
            for endpoint in endpoints {
                let path = (endpoint["path"] ?? "").replacingOccurrences(of: "/**", with: "/{path}")
                let method = (endpoint["method"] ?? "").lowercased()
                #expect(paths[path]?[method] != nil, "\(method.uppercased()) \(path) is missing from openapi.json")
            }
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let errorSchema = try #require(schemas["Error"] as? [String: Any])
            let text = String(describing: errorSchema)
            for code in ["RUN_ALREADY_ACTIVE", "RUN_ACTIVE", "NO_RESULTS", "VALIDATION_ERROR", "NOT_IMPLEMENTED", "INVALID_STRATEGY_PARAMS"] {
                #expect(text.contains(code))
            }
        }
    }

    @Test("equity downsampling (LTTB) keeps the ends and the extremes")
    func lttb() {
        var values = (0..<10_000).map { sin(Double($0) / 300) * 100 + 1_000 }
        values[4_321] = 5_000  // a spike must survive
        let kept = EquitySeries.lttb(values, threshold: 2_000)
        #expect(kept.count == 2_000)
        #expect(kept.first == 0 && kept.last == 9_999)
        #expect(kept.contains(4_321))
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0 < $1 })
        #expect(EquitySeries.lttb([1, 2, 3], threshold: 2_000) == [0, 1, 2])
    }

    @Test("WebSocket: snapshot, then status_update for every transition with progress, during a sim backtest")
    func webSocketEvents() async throws {
        try await withTestApplication(.live, configure: fixedClock) { client in
            let texts = Mutex<[String]>([])
            let connected = Mutex(false)
            let port = try #require(client.port)
            let socket = Task {
                try await WebSocketClient.connect(url: "ws://localhost:\(port)/api/v1/ws/status", logger: Logger(label: "ws-test")) { inbound, _, _ in
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = frame else { continue }
                        connected.withLock { $0 = true }
                        texts.withLock { $0.append(text) }
                        if text.contains(#""status":"completed""#) && text.contains("status_update") { return }
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !connected.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let start = try await client.call(.post, "/api/v1/run/backtest", json: minimalBacktestBody)
            let runID = try #require(start.object["run_id"] as? String)
            _ = try await socket.value
            let received = texts.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(received.first?["type"] as? String == "status")
            for message in received {
                #expect(Set(message.keys) == ["type", "payload", "timestamp"])
                #expect((message["timestamp"] as? String)?.hasSuffix("Z") == true)
            }
            let updates = received.filter { $0["type"] as? String == "status_update" }.compactMap { $0["payload"] as? [String: Any] }
            let sequence = updates.filter { $0["run_id"] as? String == runID }.map { $0["status"] as? String ?? "" }
            #expect(sequence.first == "starting")
            #expect(sequence.contains("running"))
            #expect(sequence.last == "completed")
            let last = try #require(updates.last)
            #expect(last["progress"] as? Double == 1)
            #expect(last["value"] is Double && last["cash"] is Double && last["pnl"] is Double)
        }
    }

    @Test("a slow client is cut off with a reason; publishing never waits")
    func slowClient() {
        let hub = StatusHub(limit: 10)
        let (id, _) = hub.connect()
        for index in 0..<5 { hub.publish(type: "status_update", payload: ["n": index], status: "running") }
        // Coalesced: five progress updates of one status are one message.
        var drained = hub.drain(id)
        #expect(drained.messages.count == 1)
        #expect(drained.messages.first?.text.contains(#""n":4"#) == true)
        // Transitions are never merged away, even when the client has read nothing.
        hub.publish(type: "status_update", payload: ["n": 10], status: "starting")
        for index in 11..<14 { hub.publish(type: "status_update", payload: ["n": index], status: "running") }
        hub.publish(type: "status_update", payload: ["n": 14], status: "completed")
        drained = hub.drain(id)
        #expect(drained.messages.map(\.status) == ["starting", "running", "completed"])
        #expect(drained.messages[1].text.contains(#""n":13"#))
        for index in 0..<11 { hub.publish(type: "trade", payload: ["n": index]) }
        drained = hub.drain(id)
        #expect(drained.messages.isEmpty)
        #expect(drained.closeReason?.hasPrefix("slow consumer") == true)
        hub.disconnect(id)
        #expect(hub.clientCount == 0)
    }
}
