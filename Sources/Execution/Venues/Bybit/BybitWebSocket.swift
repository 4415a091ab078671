#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HummingbirdWSClient
import Logging
import Synchronization
import TradingCore

/// Bybit's private stream (`/v5/private`): `auth` with `hex(HMAC(secret, "GET/realtime" + expires))`,
/// then the `order` topic; every pushed order becomes a ``VenueOrder``.
///
/// Runs from the first ``updates(symbolFor:timestamp:)`` until ``stop()``, reconnecting after a drop
/// or a refused auth with exponential backoff (0.5 s doubling to 30 s, reset after a good auth), and
/// pinging every 20 s as Bybit asks.
final class BybitWebSocket: Sendable {
    let url: String
    let apiKey: String
    let signer: BybitSigner
    private let state = Mutex<State>(State())

    struct State {
        var continuation: AsyncStream<VenueOrder>.Continuation?
        var task: Task<Void, Never>?
        var stopped = false
    }

    static let initialBackoff: Duration = .milliseconds(500)
    static let maxBackoff: Duration = .seconds(30)

    init(url: String, apiKey: String, secret: String) {
        self.url = url
        self.apiKey = apiKey
        signer = BybitSigner(secret: secret)
    }

    /// The stream for this configuration; nil without keys.
    static func make(configuration: VenueConfiguration) -> BybitWebSocket? {
        guard let apiKey = configuration.credentials.apiKey, let secret = configuration.credentials.secret else { return nil }
        let url: String
        if let override = configuration.webSocketURL {
            url = override
        } else if let base = configuration.baseURL {
            // A custom REST host (tests): same host, WebSocket scheme, Bybit's private path.
            let host = base.hasSuffix("/") ? String(base.dropLast()) : base
            url = (host.hasPrefix("https://") ? "wss://" + host.dropFirst(8) : "ws://" + host.dropFirst(host.hasPrefix("http://") ? 7 : 0))
                + "/v5/private"
        } else {
            url = configuration.sandbox ? BybitHTTP.testnetWebSocketURL : BybitHTTP.productionWebSocketURL
        }
        return BybitWebSocket(url: url, apiKey: apiKey, secret: secret)
    }

    /// Starts the stream (once) and answers its updates. `timestamp` is the venue's clock in ms.
    func updates(symbolFor: @escaping @Sendable (String) -> TradingSymbol?, timestamp: @escaping @Sendable () -> Int64) -> AsyncStream<VenueOrder> {
        let (stream, continuation) = AsyncStream<VenueOrder>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let previous = state.withLock { state -> AsyncStream<VenueOrder>.Continuation? in
            let old = state.continuation
            state.continuation = continuation
            if state.task == nil, !state.stopped {
                state.task = Task { [self] in await self.run(symbolFor: symbolFor, timestamp: timestamp) }
            }
            return old
        }
        previous?.finish()
        return stream
    }

    func stop() async {
        let (task, continuation) = state.withLock { state in
            state.stopped = true
            let result = (state.task, state.continuation)
            state.task = nil
            state.continuation = nil
            return result
        }
        task?.cancel()
        continuation?.finish()
        _ = await task?.value
    }

    private func yield(_ order: VenueOrder) {
        _ = state.withLock { $0.continuation }?.yield(order)
    }

    /// Connect, authenticate, subscribe, read; on any end, wait and again.
    private func run(symbolFor: @escaping @Sendable (String) -> TradingSymbol?, timestamp: @escaping @Sendable () -> Int64) async {
        var backoff = Self.initialBackoff
        var logger = Logger(label: "bybit-private-stream")
        logger.logLevel = .warning
        while !Task.isCancelled {
            let authenticated = Flag()
            do {
                try await WebSocketClient.connect(url: url, logger: logger) { [self] inbound, outbound, _ in
                    let expires = timestamp() + 10_000
                    let signature = signer.signature(payload: BybitSigner.webSocketPayload(expires: expires))
                    try await outbound.write(.text(
                        #"{"req_id":"auth","op":"auth","args":["\#(BybitHTTP.escape(apiKey))",\#(expires),"\#(signature)"]}"#))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            while true {
                                try await Task.sleep(for: .seconds(20))
                                try await outbound.write(.text(#"{"req_id":"ping","op":"ping"}"#))
                            }
                        }
                        group.addTask { [self] in
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                guard case .text(let text) = message,
                                    let parsed = try? JSONDecoder().decode(BybitModels.StreamMessage.self, from: Data(text.utf8))
                                else { continue }
                                if parsed.op == "auth" {
                                    guard parsed.success == true else { return }  // refused: reconnect after backoff
                                    authenticated.set()
                                    try await outbound.write(.text(#"{"req_id":"sub","op":"subscribe","args":["order"]}"#))
                                    continue
                                }
                                for wire in parsed.data ?? [] {
                                    guard let symbol = symbolFor(wire.symbol) else { continue }
                                    yield(BybitParse.order(wire, symbol: symbol))
                                }
                            }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                // Dropped or never connected: retried below.
            }
            if authenticated.isSet { backoff = Self.initialBackoff }
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }
}

extension BybitWebSocket {
    /// A flag set from inside a connection's tasks and read after it ends.
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
