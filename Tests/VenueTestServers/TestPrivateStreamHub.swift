import HummingbirdWebSocket
import Synchronization

/// The private-stream connections of a venue test server (Kraken, Coinbase): which are
/// subscribed, the frames queued for each, and counters the tests read.
final class TestPrivateStreamHub: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        /// Close the connection (the tests' "drop every connection" hook).
        case close
    }

    struct Connection {
        var continuation: AsyncStream<Outgoing>.Continuation
        var subscribed = false
    }

    struct State {
        var connections: [Int: Connection] = [:]
        var nextId = 0
        /// Subscriptions accepted so far (a reconnect adds one).
        var accepted = 0
        /// Subscriptions refused so far (bad token / JWT).
        var refused = 0
        /// Frames received from clients, in order.
        var received: [String] = []
        var sequence: Int64 = 0
    }

    let state = Mutex(State())

    /// Serves one connection: `handle` answers each text frame the client sends (by sending
    /// through the hub); frames the hub queues are written until the connection closes.
    func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, handle: @escaping @Sendable (_ connection: Int, _ text: String) -> Void
    ) async throws {
        let (stream, continuation) = AsyncStream<Outgoing>.makeStream()
        let id = state.withLock { state -> Int in
            state.nextId += 1
            state.connections[state.nextId] = Connection(continuation: continuation)
            return state.nextId
        }
        defer { state.withLock { $0.connections.removeValue(forKey: id) }?.continuation.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    state.withLock { $0.received.append(text) }
                    handle(id, text)
                }
            }
            group.addTask {
                for await item in stream {
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

    func send(_ id: Int, _ text: String) {
        _ = state.withLock { $0.connections[id] }?.continuation.yield(.text(text))
    }

    /// Marks connection `id` subscribed (counted) or counts a refusal.
    func subscribed(_ id: Int, _ accepted: Bool) {
        state.withLock { state in
            if accepted {
                state.connections[id]?.subscribed = true
                state.accepted += 1
            } else {
                state.refused += 1
            }
        }
    }

    /// The next sequence number for a pushed frame.
    func nextSequence() -> Int64 {
        state.withLock { state in
            state.sequence += 1
            return state.sequence
        }
    }

    /// Sends `text` to every subscribed connection.
    func publish(_ text: String) {
        state.withLock { state in
            for connection in state.connections.values where connection.subscribed { connection.continuation.yield(.text(text)) }
        }
    }

    /// Closes every connection.
    func dropAll() {
        state.withLock { state in
            for connection in state.connections.values { connection.continuation.yield(.close) }
        }
    }

    var subscribers: Int { state.withLock { $0.connections.values.filter(\.subscribed).count } }
    var acceptedSubscriptions: Int { state.withLock { $0.accepted } }
    var refusedSubscriptions: Int { state.withLock { $0.refused } }
    var received: [String] { state.withLock { $0.received } }
}
