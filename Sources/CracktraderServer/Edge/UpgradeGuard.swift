import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Answers a refused WebSocket upgrade with the standard envelope (403, or 401 `AUTH_REQUIRED`
/// with a token configured and no valid credentials).
///
/// SwiftNIO decides on an upgrade from the request head before any router runs, and a declined
/// upgrade gets a bare `400` with no headers. This handler sits first in each connection's pipeline,
/// reads the first request head, and when it is a WebSocket upgrade from a foreign `Host` or
/// `Origin`, or without credentials, writes the same envelope and headers the edge middleware
/// would and closes. Any other first request passes through untouched and the handler removes
/// itself. (Only a connection's first request can upgrade, so this sees every upgrade.)
final class UpgradeGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Heads larger than this are left to the HTTP decoder, which enforces its own limits.
    static let maximumHeadBytes = 16 * 1024

    private let hostPolicy: HostPolicy
    private let state: ServerState
    /// With a token configured, an upgrade without valid credentials is 401 before upgrading.
    private let authenticator: Authenticator?
    private var pending: ByteBuffer?

    init(hostPolicy: HostPolicy, state: ServerState, authenticator: Authenticator? = nil) {
        self.hostPolicy = hostPolicy
        self.state = state
        self.authenticator = authenticator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var pending {
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        let bytes = buffer.readableBytesView
        guard let headEnd = bytes.firstRange(of: [13, 10, 13, 10] as [UInt8]) else {
            if buffer.readableBytes > Self.maximumHeadBytes {
                passThrough(buffer, context: context)
            } else {
                pending = buffer
            }
            return
        }
        let head = String(decoding: bytes[bytes.startIndex..<headEnd.lowerBound], as: UTF8.self)
        if let refusal = refusal(forHead: head) {
            pending = nil
            refuse(with: refusal, context: context)
        } else {
            passThrough(buffer, context: context)
        }
    }

    private func passThrough(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        pending = nil
        context.fireChannelRead(wrapInboundOut(buffer))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The edge's Host, Origin and authentication rules, applied to an upgrade request head.
    func refusal(forHead head: String) -> APIError? {
        var hosts: [String] = []
        var origin: String?
        var authorization: [String] = []
        var cookies: [String] = []
        var isWebSocketUpgrade = false
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name {
            case "host": hosts.append(value)
            case "origin": origin = value
            case "upgrade": isWebSocketUpgrade = value.lowercased().contains("websocket")
            case "authorization": authorization.append(value)
            case "cookie": cookies.append(value)
            default: break
            }
        }
        guard isWebSocketUpgrade else { return nil }
        let port = state.boundPort
        if hosts.isEmpty { return .hostNotAllowed(nil) }
        if let foreign = hosts.first(where: { !hostPolicy.allowsHost($0, boundPort: port) }) {
            return .hostNotAllowed(foreign)
        }
        if let origin, !hostPolicy.allowsOrigin(origin, boundPort: port) {
            return .originNotAllowed(origin)
        }
        if let authenticator {
            let verdict = authenticator.verdict(authorization: authorization, cookies: cookies)
            if verdict != .granted { return .authRequired(verdict) }
        }
        return nil
    }

    private func refuse(with error: APIError, context: ChannelHandlerContext) {
        state.countRequest()
        var body = error.envelopeBody()
        var text = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        var headers = error.makeResponse().headers
        EdgeHeaderValues.applyCommon(to: &headers)
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        for field in headers {
            text += "\(field.name.rawName): \(field.value)\r\n"
        }
        text += "\r\n"
        var output = context.channel.allocator.buffer(string: text)
        output.writeBuffer(&body)
        context.writeAndFlush(NIOAny(output)).whenComplete { _ in context.close(promise: nil) }
    }
}

/// The server's child channel: Hummingbird's HTTP/1 + WebSocket upgrade channel with
/// `ConnectionDeadlineHandler` and `UpgradeGuardHandler` in front, `ResponseCompletionHandler`
/// after the decoder, and the connection cap applied at accept.
struct GuardedWebSocketChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let inner: HTTP1WebSocketUpgradeChannel
    let hostPolicy: HostPolicy
    let state: ServerState
    let limits: ServerLimits
    let connections: ConnectionCounter
    var authenticator: Authenticator? = nil

    /// Refused at accept: the connection cap is reached.
    struct ConnectionLimitReached: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // A failed initializer never reaches the server loop; the channel is closed here.
        guard connections.tryAcquire() else {
            state.metrics.recordRejectedConnection()
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.release() }
        do {
            try channel.pipeline.syncOperations.addHandler(
                UpgradeGuardHandler(hostPolicy: hostPolicy, state: state, authenticator: authenticator), position: .first)
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler(limits: limits), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades through `webSocketRouter`, refusals answered by the edge rules,
    /// and the connection limits of `limits`.
    static func guardedWebSocketUpgrade(
        webSocketRouter: Router<AppRequestContext>, hostPolicy: HostPolicy, state: ServerState, limits: ServerLimits,
        authenticator: Authenticator? = nil
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let connections = ConnectionCounter(limit: limits.maxConnections)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ResponseCompletionHandler()],
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                maxHeaderFieldCount: limits.maxHeaderCount))
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: limits.webSocketMaxFrameBytes, autoPing: .enabled(timePeriod: limits.webSocketPingInterval))
        return HTTPServerBuilder { responder in
            GuardedWebSocketChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder,
                    configuration: .init(http1: http1, ws: webSocket)),
                hostPolicy: hostPolicy, state: state, limits: limits, connections: connections, authenticator: authenticator)
        }
    }
}
