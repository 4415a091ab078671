#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MarketData
import TradingCore
import NIOCore
import Synchronization

/// Fans run events out to every WebSocket client without ever making the publisher wait.
///
/// Each client has a bounded queue. `publish` encodes a message once and appends it to every
/// queue under a short lock; a `status_update` replaces the client's previous unsent one
/// (coalescing), so a slow client only ever lags by one status. A client whose queue passes
/// `limit` messages is marked closed with a reason and its writer closes the socket.
final class StatusHub: Sendable {
    /// Messages a client may have unsent before it is disconnected.
    let limit: Int
    private let state = Mutex(State())

    struct State {
        var nextID = 0
        var clients: [Int: ClientQueue] = [:]
    }

    struct ClientQueue {
        var messages: [Outgoing] = []
        var closeReason: String?
        var wake: AsyncStream<Void>.Continuation
    }

    struct Outgoing: Sendable {
        let type: String
        let text: String
        /// For `status_update`: the run status it reports. A queued update is replaced only by a
        /// newer one with the same status, so progress is coalesced but no transition is lost.
        var status: String? = nil
    }

    init(limit: Int = 1_024) {
        self.limit = limit
    }

    var clientCount: Int { state.withLock { $0.clients.count } }

    /// Registers a client; returns its id and the signal its writer waits on.
    func connect() -> (id: Int, wake: AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.clients[id] = ClientQueue(wake: continuation)
            return id
        }
        return (id, stream)
    }

    func disconnect(_ id: Int) {
        let client = state.withLock { $0.clients.removeValue(forKey: id) }
        client?.wake.finish()
    }

    /// Takes everything queued for a client, or the reason it must close.
    func drain(_ id: Int) -> (messages: [Outgoing], closeReason: String?) {
        state.withLock { state in
            guard var client = state.clients[id] else { return ([], "disconnected") }
            let messages = client.messages
            client.messages.removeAll(keepingCapacity: true)
            let reason = client.closeReason
            state.clients[id] = client
            return (messages, reason)
        }
    }

    /// Queues a message for one client only (the snapshot on connect, heartbeats).
    func send(_ id: Int, type: String, payload: some Encodable) {
        let message = Outgoing(type: type, text: Self.encode(type: type, payload: payload))
        state.withLock { state in
            Self.enqueue(message, to: id, in: &state, limit: limit)
        }
    }

    /// Queues a message for every client. Never blocks on a client.
    ///
    /// - Parameter status: for `status_update`, the status it carries (see `Outgoing.status`).
    func publish(type: String, payload: some Encodable, status: String? = nil) {
        let hasClients = state.withLock { !$0.clients.isEmpty }
        guard hasClients else { return }
        let message = Outgoing(type: type, text: Self.encode(type: type, payload: payload), status: status)
        state.withLock { state in
            for id in state.clients.keys {
                Self.enqueue(message, to: id, in: &state, limit: limit)
            }
        }
    }

    private static func enqueue(_ message: Outgoing, to id: Int, in state: inout State, limit: Int) {
        guard var client = state.clients[id], client.closeReason == nil else { return }
        // `sweep_update` (a sweep's progress) is coalesced the same way as `status_update`.
        if message.type == "status_update" || message.type == "sweep_update", message.status != nil,
            let last = client.messages.lastIndex(where: { $0.type == message.type }),
            client.messages[last].status == message.status
        {
            // Coalesce progress: a queued update with the same status is superseded. Keep the new
            // one where the old one was when nothing followed it, else move it to the end so it
            // stays after the events it describes. Different statuses are transitions and all stay.
            if last == client.messages.count - 1 {
                client.messages[last] = message
            } else {
                client.messages.remove(at: last)
                client.messages.append(message)
            }
        } else {
            client.messages.append(message)
        }
        if client.messages.count > limit {
            client.closeReason = "slow consumer: more than \(limit) messages were waiting; reconnect and fetch /api/v1/status"
            client.messages.removeAll()
        }
        state.clients[id] = client
        client.wake.yield()
    }

    struct Message<Payload: Encodable>: Encodable {
        let type: String
        let payload: Payload
        let timestamp: String
    }

    static func encode(type: String, payload: some Encodable) -> String {
        let message = Message(type: type, payload: payload, timestamp: ISO8601Timestamp.string(fromMilliseconds: WallClock.nowMilliseconds()))
        guard let buffer = try? JSONCoding.encode(message) else { return #"{"type":"error","payload":{},"timestamp":""}"# }
        return String(buffer: buffer)
    }
}
