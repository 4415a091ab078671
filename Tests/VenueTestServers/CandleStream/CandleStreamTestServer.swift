import Hummingbird
import HummingbirdWebSocket
import Synchronization

/// A local public candle stream for any venue: a WebSocket at `path` that records what clients
/// send and pushes what the test gives it, so each venue's documented kline payloads can be
/// replayed over a real connection.
///
/// `answer` turns each received text frame into the frames sent back (a venue's subscription
/// acknowledgement). ``push(_:)`` sends a frame to every open connection; ``dropAll()`` closes
/// them (the client must reconnect and subscribe again).
public final class CandleStreamTestServer: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case close
    }

    private struct State {
        var connections: [Int: AsyncStream<Outgoing>.Continuation] = [:]
        var nextId = 0
        var received: [String] = []
        var accepted = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public let path: String
    private let answer: @Sendable (String) -> [String]
    private let state = Mutex(State())

    public init(path: String, answer: @escaping @Sendable (String) -> [String] = { _ in [] }) {
        self.path = path
        self.answer = answer
    }

    /// Every text frame received so far, in order.
    public var received: [String] { state.withLock { $0.received } }

    /// Connections accepted so far.
    public var accepted: Int { state.withLock { $0.accepted } }

    /// Sends `text` to every open connection.
    public func push(_ text: String) {
        state.withLock { state in
            for connection in state.connections.values { connection.yield(.text(text)) }
        }
    }

    /// Closes every open connection.
    public func dropAll() {
        state.withLock { state in
            for connection in state.connections.values { connection.yield(.close) }
        }
    }

    /// Waits until `count` frames have been received in total.
    public func waitForReceived(_ count: Int) async {
        while true {
            let done = await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.received.count >= count { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
            _ = done
            if state.withLock({ $0.received.count >= count }) { return }
        }
    }

    /// Serves the stream on 127.0.0.1 at a free port for the length of `body` (`http://…` base).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws(RouterPath(path.isEmpty ? "/" : path)) { [self] inbound, outbound, _ in
            let (outgoing, continuation) = AsyncStream<Outgoing>.makeStream()
            let id = state.withLock { state -> Int in
                defer { state.nextId += 1 }
                state.connections[state.nextId] = continuation
                state.accepted += 1
                return state.nextId
            }
            defer { _ = state.withLock { $0.connections.removeValue(forKey: id) }?.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                            state.received.append(text)
                            defer { state.waiters = [] }
                            return state.waiters
                        }
                        for waiter in waiters { waiter.resume() }
                        for reply in answer(text) { continuation.yield(.text(reply)) }
                    }
                }
                group.addTask {
                    for await item in outgoing {
                        switch item {
                        case .text(let text): try await outbound.writeTextMessage(text)
                        case .close: return
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        return try await withLocalWebSocketServer(label: "candle-stream-test-server", router: router, beforeStop: { [self] in dropAll() }, body)
    }
}
