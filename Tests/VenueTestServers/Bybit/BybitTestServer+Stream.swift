import Crypto
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

extension BybitTestServer {
    /// Private-stream connections: which are authenticated and subscribed to `order`, and the
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

    /// Connections authenticated and subscribed to the `order` topic.
    public var orderSubscribers: Int { hub.connections.withLock { $0.list.values.filter(\.subscribed).count } }

    /// Successful `auth` ops so far (a reconnect adds one).
    public var streamAuthentications: Int { hub.connections.withLock { $0.auths } }

    /// Closes every private-stream connection (the client must reconnect and authenticate again).
    public func dropStreamConnections() { hub.dropAll() }

    /// Pushes `order` on the `order` topic to subscribed connections.
    func publish(_ order: Order) {
        let now = state.withLock { self.now($0) }
        hub.publish(#"{"id":"\#(UUID().uuidString)","topic":"order","creationTime":\#(now),"data":[\#(Self.json(order: order))]}"#)
    }

    /// Serves REST and the private stream (`/v5/private`) on 127.0.0.1 at a free port for the
    /// length of `body`, then stops (closing stream connections first).
    public func run<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        let router = Router(context: BasicWebSocketRequestContext.self)
        addRoutes(to: router)
        router.ws("/v5/private") { [self] inbound, outbound, _ in
            try await serveStream(inbound: inbound, outbound: outbound)
        }
        return try await withLocalWebSocketServer(label: "bybit-test-server", router: router, beforeStop: { [hub] in hub.dropAll() }, body)
    }

    private func serveStream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (id, outgoing) = hub.add()
        defer { hub.remove(id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    streamRequest(text, connection: id)
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

    /// `auth` (checked as Bybit documents: `hex(HMAC(secret, "GET/realtime" + expires))`, expires in
    /// the future), `subscribe` to `order` (after auth), `ping`.
    private func streamRequest(_ text: String, connection id: Int) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let op = object["op"] as? String else {
            return hub.send(id, #"{"success":false,"ret_msg":"Invalid request","op":""}"#)
        }
        let reqId = (object["req_id"] as? String).map { #""req_id":"\#($0)","# } ?? ""
        let args = object["args"] as? [Any] ?? []
        switch op {
        case "auth":
            let key = args.first as? String
            let expires = args.count > 1 ? (args[1] as? NSNumber)?.int64Value : nil
            let signature = args.count > 2 ? args[2] as? String : nil
            let now = state.withLock { self.now($0) }
            var accepted = false
            if key == apiKey, let expires, expires > now, let signature {
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Data("GET/realtime\(expires)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
                accepted = mac.map { String(format: "%02x", $0) }.joined() == signature
            }
            if accepted {
                hub.update(id) { $0.authenticated = true }
                hub.connections.withLock { $0.auths += 1 }
            }
            hub.send(id, #"{\#(reqId)"success":\#(accepted),"ret_msg":"\#(accepted ? "" : "Request not authorized")","op":"auth","conn_id":"c\#(id)"}"#)
        case "subscribe":
            let topics = args.compactMap { $0 as? String }
            let allowed = hub.connection(id)?.authenticated == true && topics.allSatisfy { $0 == "order" || $0 == "order.spot" }
            if allowed { hub.update(id) { $0.subscribed = true } }
            hub.send(id, #"{\#(reqId)"success":\#(allowed),"ret_msg":"\#(allowed ? "" : "Request not authorized")","op":"subscribe","conn_id":"c\#(id)"}"#)
        case "ping":
            hub.send(id, #"{\#(reqId)"success":true,"ret_msg":"pong","op":"ping","conn_id":"c\#(id)"}"#)
        default:
            hub.send(id, #"{\#(reqId)"success":false,"ret_msg":"Unsupported op","op":"\#(op)"}"#)
        }
    }
}
