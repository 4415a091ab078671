#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// `WS /api/v1/ws/status`: sends a status snapshot on connect, then a heartbeat every 15 s.
/// Run events join this stream once the runner exists.
struct StatusStream {
    static let path = "/api/v1/ws/status"
    static let heartbeatInterval: Duration = .seconds(15)

    struct Message<Payload: Encodable>: Encodable {
        let type: String
        let payload: Payload
        let timestamp: String
    }

    struct IdleStatus: Encodable {
        let run_id: String?
        let status: String
    }

    let hostPolicy: HostPolicy
    let state: ServerState

    /// The upgrade happens only for an allowed Host and Origin. Anything else falls through to the
    /// HTTP router, whose edge middleware answers with the 403 envelope.
    func register(on router: Router<AppRequestContext>) {
        router.ws(RouterPath(Self.path)) { request, _ in
            let hosts = (request.head.authority.map { [$0] } ?? []) + request.headers[values: .hostField]
            guard !hosts.isEmpty, hosts.allSatisfy({ hostPolicy.allowsHost($0, boundPort: state.boundPort) }) else {
                return .dontUpgrade
            }
            if let origin = request.headers[.origin], !hostPolicy.allowsOrigin(origin, boundPort: state.boundPort) {
                return .dontUpgrade
            }
            var headers = HTTPFields()
            headers[.cracktraderAPIVersion] = EdgeHeaderValues.apiVersion
            return .upgrade(headers)
        } onUpgrade: { inbound, outbound, _ in
            try await outbound.write(.text(Self.encode(type: "status", payload: IdleStatus(run_id: nil, status: "idle"))))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.heartbeatInterval)
                        try await outbound.write(.text(Self.encode(type: "heartbeat", payload: [String: String]())))
                    }
                }
                // Clients do not send commands yet; reading drains pings and notices the close.
                for try await _ in inbound {}
                group.cancelAll()
            }
        }
    }

    static func encode(type: String, payload: some Encodable) -> String {
        let message = Message(
            type: type, payload: payload,
            timestamp: HTTPDate.iso8601(epochMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        guard let buffer = try? JSONCoding.encode(message) else { return "{}" }
        return String(buffer: buffer)
    }
}
