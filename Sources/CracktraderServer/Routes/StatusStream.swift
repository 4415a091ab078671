import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `WS /api/v1/ws/status`: a `status` snapshot on connect, then every run event from the hub
/// (`status_update`, `order_update`, `trade`, `equity_point`, `error`) and a `heartbeat` every 15 s.
///
/// Each connection has a writer task that drains the client's bounded queue in the hub; the
/// engine only ever appends to that queue. A client that falls `StatusHub.limit` messages behind
/// is closed with code 1008 and the reason.
struct StatusStream {
    static let path = "/api/v1/ws/status"
    static let heartbeatInterval: Duration = .seconds(15)

    let hostPolicy: HostPolicy
    let state: ServerState
    let hub: StatusHub
    let controller: RunController
    /// Largest message a client may send (frames of one message together); larger closes with 1009.
    var maxMessageBytes = ServerLimits().webSocketMaxMessageBytes
    /// With a token configured the upgrade also needs credentials (`UpgradeGuardHandler` answers
    /// the 401 first; this is the second lock on the same door).
    var authenticator: Authenticator? = nil

    /// The upgrade happens only for an allowed Host and Origin. Anything else falls through to the
    /// HTTP router, whose edge middleware answers with the 403 envelope.
    func register(on router: Router<AppRequestContext>) {
        let hub = self.hub
        let controller = self.controller
        let metrics = state.metrics
        let maxMessageBytes = self.maxMessageBytes
        let authenticator = self.authenticator
        router.ws(RouterPath(Self.path)) { request, _ in
            let hosts = (request.head.authority.map { [$0] } ?? []) + request.headers[values: .hostField]
            guard !hosts.isEmpty, hosts.allSatisfy({ hostPolicy.allowsHost($0, boundPort: state.boundPort) }) else {
                return .dontUpgrade
            }
            if let origin = request.headers[.origin], !hostPolicy.allowsOrigin(origin, boundPort: state.boundPort) {
                return .dontUpgrade
            }
            if let authenticator, authenticator.verdict(request) != .granted {
                return .dontUpgrade
            }
            var headers = HTTPFields()
            headers[.cracktraderAPIVersion] = EdgeHeaderValues.apiVersion
            return .upgrade(headers)
        } onUpgrade: { inbound, outbound, _ in
            let (id, wake) = hub.connect()
            metrics.setWebSocketClients(hub.clientCount)
            defer {
                hub.disconnect(id)
                metrics.setWebSocketClients(hub.clientCount)
            }
            hub.send(id, type: "status", payload: controller.statusDocument())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.heartbeatInterval)
                        hub.send(id, type: "heartbeat", payload: [String: String]())
                    }
                }
                group.addTask {
                    for await _ in wake {
                        let (messages, closeReason) = hub.drain(id)
                        for message in messages {
                            try await outbound.write(.text(message.text))
                        }
                        if let closeReason {
                            try? await outbound.close(.policyViolation, reason: closeReason)
                            return
                        }
                    }
                }
                group.addTask {
                    // Clients send no commands; reading drains pings and notices the close.
                    for try await _ in inbound.messages(maxSize: maxMessageBytes) {}
                }
                // The first task to end (client gone, or closed as too slow) ends the connection.
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }
}
