#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HummingbirdWSClient
import Logging
import Synchronization
import TradingCore

/// What one venue's private stream does on each connection; ``VenuePrivateStream`` connects,
/// reconnects and delivers, the session only speaks the venue's protocol.
///
/// A session keeps its own state (orders seen, fills counted) across connections, so a snapshot
/// sent after a reconnect is compared with what was already delivered.
protocol VenueStreamSession: Sendable {
    /// The frames to send right after connecting (authenticate, subscribe), computed for this
    /// connection (a fresh token or JWT each time). Throwing skips the attempt: the stream waits
    /// its backoff and tries again.
    func openingMessages() async throws -> [String]

    /// Reads one text frame.
    func receive(_ text: String) -> VenueStreamReaction

    /// A frame to send every `interval` to keep the connection open; nil when the venue needs none.
    var keepAlive: (interval: Duration, message: String)? { get }
}

extension VenueStreamSession {
    var keepAlive: (interval: Duration, message: String)? { nil }
}

/// What a session makes of one frame.
struct VenueStreamReaction: Sendable {
    /// Order updates to deliver, in order.
    var orders: [VenueOrder] = []
    /// The venue confirmed authentication / the subscription: the backoff starts over.
    var subscribed = false
    /// The venue refused (bad token, bad signature): the connection is closed and retried after
    /// the backoff.
    var refused = false

    static let none = VenueStreamReaction()
}

/// A venue's private order stream over a WebSocket: runs from the first ``updates()`` until
/// ``stop()``, reconnecting after a drop, a refusal or a failed connect with exponential backoff
/// (``initialBackoff`` doubling to ``maxBackoff``, back to the start after a confirmed
/// subscription). Used by the Kraken and Coinbase streams.
final class VenuePrivateStream: Sendable {
    let url: String
    let label: String
    let session: any VenueStreamSession
    let initialBackoff: Duration
    let maxBackoff: Duration
    private let state = Mutex<State>(State())

    struct State {
        var continuation: AsyncStream<VenueOrder>.Continuation?
        var task: Task<Void, Never>?
        var stopped = false
        var subscriptions = 0
    }

    init(url: String, label: String, session: any VenueStreamSession, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)) {
        self.url = url
        self.label = label
        self.session = session
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after `current`: doubled, never above `limit`.
    static func nextBackoff(after current: Duration, limit: Duration) -> Duration {
        min(current * 2, limit)
    }

    /// Connections whose subscription the venue confirmed (a reconnect adds one).
    var confirmedSubscriptions: Int { state.withLock { $0.subscriptions } }

    /// Starts the stream (once) and answers its updates; a later call hands the updates to the
    /// new consumer and finishes the old one.
    func updates() -> AsyncStream<VenueOrder> {
        let (stream, continuation) = AsyncStream<VenueOrder>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let previous = state.withLock { state -> AsyncStream<VenueOrder>.Continuation? in
            let old = state.continuation
            state.continuation = continuation
            if state.stopped {
                continuation.finish()
            } else if state.task == nil {
                state.task = Task { [self] in await self.run() }
            }
            return old
        }
        previous?.finish()
        return stream
    }

    /// Closes the connection, ends the updates and waits for the task.
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

    private func deliver(_ orders: [VenueOrder]) {
        guard !orders.isEmpty, let continuation = state.withLock({ $0.continuation }) else { return }
        for order in orders { continuation.yield(order) }
    }

    /// Connect, open, read; on any end, wait and again.
    private func run() async {
        var backoff = initialBackoff
        var logger = Logger(label: label)
        logger.logLevel = .warning
        while !Task.isCancelled {
            let subscribed = Flag()
            do {
                let opening = try await session.openingMessages()
                try await WebSocketClient.connect(url: url, logger: logger) { [self] inbound, outbound, _ in
                    for message in opening { try await outbound.write(.text(message)) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if let keepAlive = session.keepAlive {
                            group.addTask {
                                while true {
                                    try await Task.sleep(for: keepAlive.interval)
                                    try await outbound.write(.text(keepAlive.message))
                                }
                            }
                        }
                        group.addTask { [self] in
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                guard case .text(let text) = message else { continue }
                                let reaction = session.receive(text)
                                if reaction.refused { return }  // closes; retried after the backoff
                                if reaction.subscribed, !subscribed.isSet {
                                    subscribed.set()
                                    state.withLock { $0.subscriptions += 1 }
                                }
                                deliver(reaction.orders)
                            }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                // Dropped, refused before connecting, or never connected: retried below.
            }
            if subscribed.isSet { backoff = initialBackoff }
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff = Self.nextBackoff(after: backoff, limit: maxBackoff)
        }
    }
}

extension VenuePrivateStream {
    /// A flag set from inside a connection's tasks and read after it ends.
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}

extension VenuePrivateStream {
    /// The stream's URL for a run: `webSocketURL` as given, else the `baseURL` override (a local
    /// test server) with its scheme swapped and the venue's `path` appended, else the environment's
    /// endpoint (`sandbox` nil: the venue has no sandbox stream).
    static func url(configuration: VenueConfiguration, path: String, production: String, sandbox: String?) -> String? {
        if let explicit = configuration.webSocketURL { return explicit }
        if let base = configuration.baseURL {
            let host = base.hasSuffix("/") ? String(base.dropLast()) : base
            let swapped = host.hasPrefix("https://") ? "wss://" + host.dropFirst(8)
                : host.hasPrefix("http://") ? "ws://" + host.dropFirst(7) : Substring(host)
            return swapped + path
        }
        return configuration.sandbox ? sandbox : production
    }
}

/// The one ``VenuePrivateStream`` a session runs, made on first use. The stream holds its
/// session, so ``stop()`` drops it to end that cycle; after it, updates are finished at once.
final class VenuePrivateStreamSlot: Sendable {
    private let label: String
    private let state = Mutex<(running: VenuePrivateStream?, stopped: Bool)>((nil, false))

    init(label: String) {
        self.label = label
    }

    /// Starts the stream on `url` for `session` (once) and answers its updates.
    func updates(url: String, session: any VenueStreamSession) -> AsyncStream<VenueOrder> {
        let running = state.withLock { state -> VenuePrivateStream? in
            if state.running == nil, !state.stopped {
                state.running = VenuePrivateStream(url: url, label: label, session: session)
            }
            return state.running
        }
        guard let running else { return AsyncStream { $0.finish() } }
        return running.updates()
    }

    func stop() async {
        let running = state.withLock { state -> VenuePrivateStream? in
            state.stopped = true
            defer { state.running = nil }
            return state.running
        }
        await running?.stop()
    }
}
