import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import Testing
import WSClient

/// `exchange_config`: exactly the accepted keys; credentials from the request or the environment
/// stay in memory and never reach a response, the WebSocket, the log or the database file.
@Suite("exchange_config and secrets")
struct SecretsTests {
    static let canaries = ["CANARY-REQ-KEY-5d1e", "CANARY-REQ-SECRET-93b7", "CANARY-REQ-PASS-0c4f", "CANARY-ENV-KEY-7f3a", "CANARY-ENV-SECRET-a61c", "CANARY-ENV-PASS-2e98"]
    static let environment: [String: String] = [
        "CRACKTRADER_BINANCE_API_KEY": "CANARY-ENV-KEY-7f3a", "CRACKTRADER_BINANCE_SECRET": "CANARY-ENV-SECRET-a61c",
        "CRACKTRADER_OKX_API_KEY": "CANARY-ENV-KEY-7f3a", "CRACKTRADER_OKX_SECRET": "CANARY-ENV-SECRET-a61c",
        "CRACKTRADER_OKX_PASSWORD": "CANARY-ENV-PASS-2e98",
    ]

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> JSONReply {
        try await client.call(.post, "/api/v1/run/live", json: body)
    }

    @Test("an unknown exchange_config key is a 400 that lists the accepted keys; bad types and risk guards are field errors")
    func acceptedKeys() async throws {
        try await withTestApplication { client in
            let unknown = try await Self.post(client, #"""
                {"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"paper","exchange_config":{"apiKey":"CANARY-REQ-KEY-5d1e","accessToken":"CANARY-REQ-SECRET-93b7"}}
                """#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "VALIDATION_ERROR")
            #expect(unknown.errorDetails["accepted_exchange_config_keys"] as? [String]
                == ["apiKey", "secret", "password", "sandbox", "base_url", "rateLimit", "enableRateLimit"])
            let fields = unknown.errorDetails["fields"] as? [String: String] ?? [:]
            #expect(fields == ["exchange_config.accessToken": "is not an accepted key; accepted: apiKey, secret, password, sandbox, base_url, rateLimit, enableRateLimit"])
            #expect(!Self.canaries.contains { unknown.text.contains($0) })

            let types = try await Self.post(client, #"""
                {"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"binance",
                 "exchange_config":{"apiKey":7,"sandbox":"yes","rateLimit":-1,"enableRateLimit":1,"base_url":"ftp://x"},
                 "max_order_notional":0,"max_position_notional":"big","max_daily_loss":-5}
                """#)
            #expect(types.status == .badRequest)
            #expect(types.errorDetails["fields"] as? [String: String] == [
                "exchange_config.apiKey": "must be a string",
                "exchange_config.sandbox": "must be true or false",
                "exchange_config.rateLimit": "must be a number of milliseconds in [0, 3600000]",
                "exchange_config.enableRateLimit": "must be true or false",
                "exchange_config.base_url": "must be an http:// or https:// URL",
                "max_order_notional": "must be a positive number (quote currency) of at most 1e15",
                "max_position_notional": "must be a number",
                "max_daily_loss": "must be a positive number (quote currency) of at most 1e15",
            ])
            #expect(types.errorDetails["accepted_exchange_config_keys"] == nil)

            let paperSandbox = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"paper","exchange_config":{"sandbox":true}}"#)
            #expect(paperSandbox.status == .badRequest)
            #expect((paperSandbox.errorDetails["fields"] as? [String: String])?["exchange_config.sandbox"]
                == #"true asks for a sandbox run (real orders on a testnet), which needs mode "live""#)
        }
    }

    @Test("mode live: Kraken has no sandbox (422), real money needs max_order_notional (422), keys are required (422), an offline server cannot trade (422)")
    func tradingModes() async throws {
        try await withTestApplication { client in
            let kraken = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USD"],"mode":"live","exchange":"kraken","exchange_config":{"sandbox":true}}"#)
            #expect(kraken.status == .unprocessableContent)
            #expect(kraken.errorCode == "SANDBOX_UNAVAILABLE")
            #expect(kraken.object["error"].flatMap { ($0 as? [String: Any])?["message"] as? String }
                == "Kraken has no sandbox to trade in: Kraken has no spot sandbox, so sandbox mode is not offered; use paper mode to trade without real orders.")
            #expect(kraken.errorDetails["modes"] as? [String] == ["backtest", "paper", "live"])

            let simLive = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"sim","max_order_notional":100}"#)
            #expect(simLive.errorCode == "MODE_UNAVAILABLE")

            let noLimit = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"binance","exchange_config":{"apiKey":"a","secret":"b"}}"#)
            #expect(noLimit.status == .unprocessableContent)
            #expect(noLimit.errorCode == "RISK_LIMIT_REQUIRED")
            #expect(noLimit.errorDetails["required"] as? [String] == ["max_order_notional"])

            // A sandbox run needs no risk limit, but it needs keys.
            let noKeys = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"okx","exchange_config":{"sandbox":true,"apiKey":"a"}}"#)
            #expect(noKeys.status == .unprocessableContent)
            #expect(noKeys.errorCode == "CREDENTIALS_REQUIRED")
            #expect(noKeys.errorDetails["missing"] as? [String] == ["secret", "password"])
            #expect(noKeys.errorDetails["environment_variables"] as? [String] == ["CRACKTRADER_OKX_SECRET", "CRACKTRADER_OKX_PASSWORD"])

            // Valid, but this server runs offline (no HTTP client): it cannot reach the venue.
            let valid = try await Self.post(client, #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"live","exchange":"binance","exchange_config":{"sandbox":true,"apiKey":"a","secret":"b"}}"#)
            #expect(valid.status == .unprocessableContent)
            #expect(valid.errorCode == "DATA_UNAVAILABLE")
            #expect(valid.errorDetails["exchange"] as? String == "binance")
            #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
        }
    }

    @Test("canary keys (request and environment) appear in no response, WebSocket message, log line or database byte")
    func canaries() async throws {
        let logs = CapturedLog()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .trace)
        configuration.runner = RunnerOptions(environment: { Self.environment[$0] })
        configuration.logHandlerFactory = { label in logs.handler(label: label) }
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let frames = Mutex<[String]>([])
            let connected = Mutex(false)
            let socket = Task {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/api/v1/ws/status", logger: Logger(label: "ws-test")) { inbound, _, _ in
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = frame else { continue }
                        connected.withLock { $0 = true }
                        frames.withLock { $0.append(text) }
                        if text.contains(#""status":"completed""#) && text.contains("status_update") { return }
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !connected.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }

            var replies: [String] = []
            // Refused trading runs, with keys in the request and in the environment.
            for body in [
                #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"mode":"live","exchange":"binance","exchange_config":{"sandbox":true,"apiKey":"CANARY-REQ-KEY-5d1e","secret":"CANARY-REQ-SECRET-93b7"}}"#,
                #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"mode":"live","exchange":"binance","max_order_notional":50,"exchange_config":{}}"#,
                #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"mode":"live","exchange":"okx","exchange_config":{"sandbox":true,"password":"CANARY-REQ-PASS-0c4f","rateLimit":"CANARY-REQ-SECRET-93b7"}}"#,
                #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"mode":"paper","exchange_config":{"apiKey":"CANARY-REQ-KEY-5d1e","nonsense":"CANARY-REQ-SECRET-93b7"}}"#,
            ] {
                replies.append(try await Self.post(client, body).text)
            }
            // A paper run on sim with keys in the request: it runs, places an order, completes.
            let start = try await Self.post(client, #"""
                {"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1m","mode":"paper","speed":60000,"max_bars":5,
                 "exchange_config":{"apiKey":"CANARY-REQ-KEY-5d1e","secret":"CANARY-REQ-SECRET-93b7","password":"CANARY-REQ-PASS-0c4f","sandbox":false,"rateLimit":50,"enableRateLimit":true}}
                """#)
            #expect(start.status == .ok)
            replies.append(start.text)
            let runID = try #require(start.object["run_id"] as? String)
            _ = try await socket.value
            for path in ["/api/v1/status", "/api/v1/status/detailed", "/api/v1/results", "/api/v1/runs", "/api/v1/runs/\(runID)", "/api/v1/health", "/api/v1/exchanges"] {
                replies.append(try await client.call(.get, path).text)
            }
            let results = try await client.call(.get, "/api/v1/results").object
            #expect((results["orders"] as? [Any])?.count == 1)
            let echoed = (results["config"] as? [String: Any])?["exchange_config"] as? [String: Any]
            #expect(echoed?["apiKey"] as? String == "***")
            #expect(echoed?["secret"] as? String == "***")
            #expect(echoed?["password"] as? String == "***")
            #expect(echoed?["rateLimit"] as? Int == 50)

            let messages = frames.withLock { $0 }
            #expect(messages.contains { $0.contains(#""type":"order_update""#) })
            let logText = logs.text
            #expect(!logText.isEmpty)
            for canary in Self.canaries {
                #expect(!replies.contains { $0.contains(canary) }, "a response contains \(canary)")
                #expect(!messages.contains { $0.contains(canary) }, "a WebSocket message contains \(canary)")
                #expect(!logText.contains(canary), "the log contains \(canary)")
            }
        }
        // Every byte of the database, its WAL and shared-memory file.
        let dataDirectory = directory.path + "/data"
        let files = try FileManager.default.contentsOfDirectory(atPath: dataDirectory).filter { $0.hasPrefix("cracktrader.sqlite") }
        #expect(files.contains("cracktrader.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/" + file))
            for canary in Self.canaries {
                #expect(bytes.range(of: Data(canary.utf8)) == nil, "\(file) contains \(canary)")
            }
        }
    }
}

/// Collects every log line of a server (all levels, with metadata) for the canary search.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func handler(label: String) -> any LogHandler { Handler(label: label, sink: self) }

    struct Handler: LogHandler {
        let label: String
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let merged = self.metadata.merging(metadata ?? [:]) { $1 }
            sink.append("\(level) \(label): \(message) \(merged)")
        }
    }
}
