import Hummingbird
import HummingbirdWebSocket

/// The request context for every route, WebSocket upgrades included.
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The client's IP address (the rate limit's key); nil when the channel has none (tests).
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// JSON bodies are capped at 1 MiB; see `Request.decodeJSON`.
    public var maxUploadSize: Int { APILimits.maximumJSONBodyBytes }
}

/// Limits the edge enforces.
public enum APILimits {
    /// Largest JSON request body accepted (1 MiB). A larger `Content-Length` is refused unread.
    public static let maximumJSONBodyBytes = 1 << 20
}
