import Hummingbird
import HummingbirdWebSocket

/// The request context for every route, WebSocket upgrades included.
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
    }

    /// JSON bodies are capped at 1 MiB; see `Request.decodeJSON`.
    public var maxUploadSize: Int { APILimits.maximumJSONBodyBytes }
}

/// Limits the edge enforces.
public enum APILimits {
    /// Largest JSON request body accepted (1 MiB). A larger `Content-Length` is refused unread.
    public static let maximumJSONBodyBytes = 1 << 20
}
