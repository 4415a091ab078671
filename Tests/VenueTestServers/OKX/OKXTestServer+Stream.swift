import Crypto
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

extension OKXTestServer {
    /// Private-stream connections: which are authenticated and subscribed to `orders`, and the
    /// frames queued for each.
    final class StreamHub: Sendable {
        enum Outgoing: Sendable {
            case text(String)
            case close
        }

        struct Connection {
            var continuation: AsyncStream<Outgoing>.Continuation
            var authenticated = false
            var subscribed = false
        }

        let connections = Mutex<(list: [Int: Connection], nextId: Int, auths: Int)>(([:], 0, 0))

        func add() -> (Int, AsyncStream<Outgoing>) {
            let (stream, continuation) = AsyncStream<Outgoing>.makeStream()
            let id = connections.withLock { state -> Int in
                state.nextId += 1
                state.list[state.nextId] = Connection(continuation: continuation)
                return state.nextId
            }
            return (id, stream)
        }

        func remove(_ id: Int) {
            connections.withLock { $0.list.removeValue(forKey: id) }?.continuation.finish()
        }

        func update(_ id: Int, _ change: (inout Connection) -> Void) {
            connections.withLock { state in
                guard var connection = state.list[id] else { return }
                change(&connection)
                state.list[id] = connection
            }
        }

        func connection(_ id: Int) -> Connection? { connections.withLock { $0.list[id] } }

        func send(_ id: Int, _ text: String) {
            _ = connections.withLock { $0.list[id] }?.continuation.yield(.text(text))
        }

        func publish(_ text: String) {
            connections.withLock { state in
                for connection in state.list.values where connection.subscribed { connection.continuation.yield(.text(text)) }
            }
        }

        func dropAll() {
            connections.withLock { state in
                for connection in state.list.values { connection.continuation.yield(.close) }
            }
        }
    }

    /// Connections logged in and subscribed to the SPOT `orders` channel.
    public var orderSubscribers: Int { hub.connections.withLock { $0.list.values.filter(\.subscribed).count } }

    /// Successful logins so far (a reconnect adds one).
    public var streamLogins: Int { hub.connections.withLock { $0.auths } }

    /// Closes every private-stream connection (the client must reconnect and log in again).
    public func dropStreamConnections() { hub.dropAll() }

    /// Pushes `order` on the `orders` channel to subscribed connections.
    func publish(_ order: Order) {
        hub.publish(#"{"arg":{"channel":"orders","instType":"SPOT","uid":"77"},"data":[\#(Self.json(order: order))]}"#)
    }

    /// Serves REST and the private stream (`/ws/v5/private`) on 127.0.0.1 at a free port for the
    /// length of `body`, then stops (closing stream connections first).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        router.ws("/ws/v5/private") { [self] inbound, outbound, _ in
            try await serveStream(inbound: inbound, outbound: outbound)
        }
        return try await withLocalWebSocketServer(label: "okx-test-server", router: router, beforeStop: { [hub] in hub.dropAll() }, body)
    }

    private func serveStream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (id, outgoing) = hub.add()
        defer { hub.remove(id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if text == "ping" { hub.send(id, "pong") } else { streamRequest(text, connection: id) }
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

    /// `login` (checked as OKX documents: `base64(HMAC(secret, timestamp + "GET" + "/users/self/verify"))`,
    /// timestamp in Unix seconds within 30 s, key and passphrase), then `subscribe` to `orders`.
    private func streamRequest(_ text: String, connection id: Int) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let op = object["op"] as? String else {
            return hub.send(id, #"{"event":"error","code":"60012","msg":"Invalid request","connId":"c\#(id)"}"#)
        }
        let requestId = (object["id"] as? String).map { #""id":"\#($0)","# } ?? ""
        let args = object["args"] as? [[String: Any]] ?? []
        switch op {
        case "login":
            let arg = args.first ?? [:]
            let stamp = arg["timestamp"] as? String ?? ""
            let now = state.withLock { self.now($0) }
            var accepted = false
            if arg["apiKey"] as? String == apiKey, arg["passphrase"] as? String == passphrase, let seconds = Int64(stamp),
                abs(now / 1000 - seconds) <= 30
            {
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Data((stamp + "GET/users/self/verify").utf8), using: SymmetricKey(data: Data(secret.utf8)))
                accepted = Data(mac).base64EncodedString() == arg["sign"] as? String
            }
            if accepted {
                hub.update(id) { $0.authenticated = true }
                hub.connections.withLock { $0.auths += 1 }
                hub.send(id, #"{\#(requestId)"event":"login","code":"0","msg":"","connId":"c\#(id)"}"#)
            } else {
                hub.send(id, #"{\#(requestId)"event":"error","code":"60009","msg":"Login failed.","connId":"c\#(id)"}"#)
            }
        case "subscribe":
            let wanted = args.allSatisfy { $0["channel"] as? String == "orders" && ($0["instType"] as? String ?? "SPOT") == "SPOT" }
            guard hub.connection(id)?.authenticated == true else {
                return hub.send(id, #"{\#(requestId)"event":"error","code":"60011","msg":"Please log in","connId":"c\#(id)"}"#)
            }
            guard wanted, !args.isEmpty else {
                return hub.send(id, #"{\#(requestId)"event":"error","code":"60018","msg":"Wrong URL or channel","connId":"c\#(id)"}"#)
            }
            hub.update(id) { $0.subscribed = true }
            hub.send(id, #"{\#(requestId)"event":"subscribe","arg":{"channel":"orders","instType":"SPOT"},"connId":"c\#(id)"}"#)
        default:
            hub.send(id, #"{\#(requestId)"event":"error","code":"60012","msg":"Invalid request","connId":"c\#(id)"}"#)
        }
    }
}
