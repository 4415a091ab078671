#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HummingbirdWSClient
import Logging
import Synchronization
import TradingCore

/// OKX's private stream (`/ws/v5/private`): `login` with
/// `base64(HMAC(secret, unixSeconds + "GET" + "/users/self/verify"))`, then the `orders` channel for
/// SPOT; every pushed order becomes a ``VenueOrder``.
///
/// Runs from the first ``updates(timestamp:)`` until ``stop()``, reconnecting after a drop or a
/// refused login with exponential backoff (0.5 s doubling to 30 s, reset after a good login), and
/// sending OKX's text `ping` every 25 s (OKX closes a connection silent for 30 s).
final class OKXWebSocket: Sendable {
    let url: String
    let apiKey: String
    let passphrase: String
    let signer: OKXSigner
    private let state = Mutex<State>(State())

    struct State {
        var continuation: AsyncStream<VenueOrder>.Continuation?
        var task: Task<Void, Never>?
        var stopped = false
    }

    static let initialBackoff: Duration = .milliseconds(500)
    static let maxBackoff: Duration = .seconds(30)

    init(url: String, apiKey: String, secret: String, passphrase: String) {
        self.url = url
        self.apiKey = apiKey
        self.passphrase = passphrase
        signer = OKXSigner(secret: secret)
    }

    /// The stream for this configuration; nil without all three credentials.
    static func make(configuration: VenueConfiguration) -> OKXWebSocket? {
        let credentials = configuration.credentials
        guard let apiKey = credentials.apiKey, let secret = credentials.secret, let passphrase = credentials.password else { return nil }
        let url: String
        if let override = configuration.webSocketURL {
            url = override
        } else if let base = configuration.baseURL {
            let host = base.hasSuffix("/") ? String(base.dropLast()) : base
            url = (host.hasPrefix("https://") ? "wss://" + host.dropFirst(8) : "ws://" + host.dropFirst(host.hasPrefix("http://") ? 7 : 0))
                + "/ws/v5/private"
        } else {
            url = configuration.sandbox ? OKXHTTP.demoWebSocketURL : OKXHTTP.productionWebSocketURL
        }
        return OKXWebSocket(url: url, apiKey: apiKey, secret: secret, passphrase: passphrase)
    }

    /// The login message for the venue time `milliseconds` (OKX signs Unix seconds).
    func loginMessage(milliseconds: Int64) -> String {
        let seconds = String(milliseconds / 1000)
        let sign = signer.signature(prehash: OKXSigner.prehash(timestamp: seconds, method: "GET", requestPath: "/users/self/verify"))
        return #"{"op":"login","args":[{"apiKey":"\#(OKXHTTP.escape(apiKey))","passphrase":"\#(OKXHTTP.escape(passphrase))","timestamp":"\#(seconds)","sign":"\#(sign)"}]}"#
    }

    /// Starts the stream (once) and answers its updates. `timestamp` is the venue's clock in ms.
    func updates(timestamp: @escaping @Sendable () -> Int64) -> AsyncStream<VenueOrder> {
        let (stream, continuation) = AsyncStream<VenueOrder>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let previous = state.withLock { state -> AsyncStream<VenueOrder>.Continuation? in
            let old = state.continuation
            state.continuation = continuation
            if state.task == nil, !state.stopped {
                state.task = Task { [self] in await self.run(timestamp: timestamp) }
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

    private func run(timestamp: @escaping @Sendable () -> Int64) async {
        var backoff = Self.initialBackoff
        var logger = Logger(label: "okx-private-stream")
        logger.logLevel = .warning
        while !Task.isCancelled {
            let loggedIn = Flag()
            do {
                try await WebSocketClient.connect(url: url, logger: logger) { [self] inbound, outbound, _ in
                    try await outbound.write(.text(loginMessage(milliseconds: timestamp())))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            while true {
                                try await Task.sleep(for: .seconds(25))
                                try await outbound.write(.text("ping"))
                            }
                        }
                        group.addTask { [self] in
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                guard case .text(let text) = message, text != "pong",
                                    let parsed = try? JSONDecoder().decode(OKXModels.StreamMessage.self, from: Data(text.utf8))
                                else { continue }
                                if parsed.event == "login" {
                                    guard parsed.code == "0" else { return }
                                    loggedIn.set()
                                    try await outbound.write(.text(#"{"id":"1","op":"subscribe","args":[{"channel":"orders","instType":"SPOT"}]}"#))
                                    continue
                                }
                                if parsed.event == "error", !loggedIn.isSet { return }  // login refused: reconnect later
                                for wire in parsed.data ?? [] {
                                    guard let symbol = OKXParse.symbol(wire.instId) else { continue }
                                    yield(OKXParse.order(wire, symbol: symbol))
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
            if loggedIn.isSet { backoff = Self.initialBackoff }
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }
}

extension OKXWebSocket {
    /// A flag set from inside a connection's tasks and read after it ends.
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
