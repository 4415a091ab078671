import Synchronization

/// The Binance test server's WebSocket API connections: who is connected, which connections
/// hold a user-data subscription, and the queue of frames each one's writer sends.
final class BinanceTestStreamHub: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        /// Close the connection (the test's "drop all connections" hook).
        case close
    }

    private struct Connection {
        var continuation: AsyncStream<Outgoing>.Continuation
        var subscriptionIds: [Int] = []
        var nextSubscriptionId = 0
    }

    private let state = Mutex<(connections: [Int: Connection], nextId: Int)>(([:], 0))

    /// Registers a connection; its writer drains the returned stream.
    func add() -> (id: Int, outgoing: AsyncStream<Outgoing>) {
        let (stream, continuation) = AsyncStream<Outgoing>.makeStream()
        let id = state.withLock { state -> Int in
            let id = state.nextId
            state.nextId += 1
            state.connections[id] = Connection(continuation: continuation)
            return id
        }
        return (id, stream)
    }

    func remove(_ id: Int) {
        let connection = state.withLock { $0.connections.removeValue(forKey: id) }
        connection?.continuation.finish()
    }

    /// A new subscription on connection `id`; its id (0, 1, … per connection, as Binance counts).
    func subscribe(_ id: Int) -> Int? {
        state.withLock { state -> Int? in
            guard var connection = state.connections[id] else { return nil }
            let subscription = connection.nextSubscriptionId
            connection.nextSubscriptionId += 1
            connection.subscriptionIds.append(subscription)
            state.connections[id] = connection
            return subscription
        }
    }

    func send(_ id: Int, _ text: String) {
        _ = state.withLock { $0.connections[id]?.continuation.yield(.text(text)) }
    }

    /// Pushes `event` to every subscription, wrapped as `{"subscriptionId":N,"event":{…}}`.
    func publish(_ event: BinanceTestJSON) {
        let text = event.text
        state.withLock { state in
            for connection in state.connections.values {
                for subscription in connection.subscriptionIds {
                    connection.continuation.yield(.text("{\"subscriptionId\":\(subscription),\"event\":\(text)}"))
                }
            }
        }
    }

    /// Closes every connection.
    func dropAll() {
        state.withLock { state in
            for connection in state.connections.values { connection.continuation.yield(.close) }
        }
    }

    /// Sends `eventStreamTerminated` on every subscription and forgets the subscriptions (the
    /// connections stay open, as on Binance).
    func terminateAll(now: Int64) {
        state.withLock { state in
            for (id, var connection) in state.connections {
                for subscription in connection.subscriptionIds {
                    connection.continuation.yield(.text("{\"subscriptionId\":\(subscription),\"event\":{\"e\":\"eventStreamTerminated\",\"E\":\(now)}}"))
                }
                connection.subscriptionIds = []
                state.connections[id] = connection
            }
        }
    }

    var subscriptionCount: Int {
        state.withLock { $0.connections.values.reduce(0) { $0 + $1.subscriptionIds.count } }
    }

    var connectionCount: Int { state.withLock { $0.connections.count } }
}
