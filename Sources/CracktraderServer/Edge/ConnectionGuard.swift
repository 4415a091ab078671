import CoreMetrics
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts open connections; the server closes a connection at accept when the count is at the cap.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    var count: Int { open.load(ordering: .relaxed) }

    /// True (and counted) when another connection fits; the caller must `release()` it on close.
    func tryAcquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() { open.subtract(1, ordering: .relaxed) }
}

/// The first handler of every connection (raw bytes, before the HTTP decoder): the request-head,
/// request-body and idle timeouts, and the head size and field-count caps (431).
///
/// A connection is `idle` until the first byte of a request arrives, then `head` until the blank
/// line, then `body` until the request's end (reported by ``ResponseCompletionHandler``, which
/// sits after the decoder), then `responding` until the response's end, and `idle` again. Only
/// `responding` has no deadline: a slow handler is not the client's fault. A WebSocket upgrade
/// head turns the handler off: the WebSocket has its own ping/pong timeout.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Phase {
        case idle
        case head
        case body
        case responding
        /// After a WebSocket upgrade head, or once the connection is closing.
        case passive
    }

    private let limits: ServerLimits
    private(set) var phase: Phase = .idle
    private var deadline: Scheduled<Void>?
    /// The head so far (only while in `head`), at most `maxHeaderBytes`.
    private var head: [UInt8] = []
    private var headerLines = 0
    private var context: ChannelHandlerContext?
    /// Set once the connection was answered here; later bytes are dropped.
    private var refused = false

    init(limits: ServerLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { enter(.idle, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if phase == .idle, deadline == nil { enter(.idle, context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        phase = .passive
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        let buffer = unwrapInboundIn(data)
        if phase == .idle {
            // Blank lines between requests are allowed (RFC 9112 §2.2) and start nothing.
            guard buffer.readableBytesView.contains(where: { $0 != 13 && $0 != 10 }) else {
                context.fireChannelRead(data)
                return
            }
            head.removeAll(keepingCapacity: true)
            headerLines = 0
            enter(.head, context: context)
        }
        if phase == .head, let refusal = scanHead(buffer) {
            refuse(refusal, context: context)
            return
        }
        context.fireChannelRead(data)
    }

    /// Follows the head through `buffer`; returns the 431 when it grows past the caps.
    private func scanHead(_ buffer: ByteBuffer) -> APIError? {
        for byte in buffer.readableBytesView {
            if head.isEmpty && (byte == 13 || byte == 10) { continue }
            head.append(byte)
            if head.count > limits.maxHeaderBytes {
                return .headersTooLarge(reason: "the request head is larger than \(limits.maxHeaderBytes) bytes", limits: limits)
            }
            guard byte == 10, head.count >= 2, head[head.count - 2] == 13 else { continue }
            if head.count >= 4, head[head.count - 3] == 10, head[head.count - 4] == 13 {
                headComplete()
                return nil
            }
            headerLines += 1
            // The first line is the request line.
            if headerLines - 1 > limits.maxHeaderCount {
                return .headersTooLarge(reason: "the request has more than \(limits.maxHeaderCount) header fields", limits: limits)
            }
        }
        return nil
    }

    private func headComplete() {
        guard let context else { return }
        let text = String(decoding: head, as: UTF8.self).lowercased()
        head.removeAll(keepingCapacity: false)
        let isUpgrade = text.split(separator: "\r\n").contains { line in
            line.hasPrefix("upgrade:") && line.contains("websocket")
        }
        enter(isUpgrade ? .passive : .body, context: context)
    }

    // MARK: Reports from after the decoder

    /// The request's end part was decoded.
    func requestEnded() {
        guard let context, phase == .body || phase == .head else { return }
        enter(.responding, context: context)
    }

    /// The response's end part was written.
    func responseEnded() {
        guard let context, phase == .responding else { return }
        enter(.idle, context: context)
    }

    // MARK: Deadlines

    private func enter(_ phase: Phase, context: ChannelHandlerContext) {
        self.phase = phase
        deadline?.cancel()
        deadline = nil
        let timeout: Duration? =
            switch phase {
            case .idle: limits.idleTimeout
            case .head: limits.requestHeadTimeout
            case .body: limits.requestBodyTimeout
            case .responding, .passive: nil
            }
        guard let timeout else { return }
        let expected = phase
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self, let context = self.context, self.phase == expected else { return }
            self.timedOut(context: context)
        }
    }

    private func timedOut(context: ChannelHandlerContext) {
        switch phase {
        case .head:
            refuse(.requestTimeout(limits.requestHeadTimeout), context: context)
        case .idle, .body:
            // Nothing to answer while idle; mid-body, the route may already be answering.
            phase = .passive
            context.close(promise: nil)
        case .responding, .passive:
            break
        }
    }

    /// Writes the envelope straight to the socket (no request is being answered) and closes.
    private func refuse(_ error: APIError, context: ChannelHandlerContext) {
        phase = .passive
        refused = true
        deadline?.cancel()
        context.writeAndFlush(NIOAny(Self.rawResponse(error, allocator: context.channel.allocator))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// An HTTP/1.1 response carrying the envelope, the common edge headers and `Connection: close`.
    static func rawResponse(_ error: APIError, allocator: ByteBufferAllocator) -> ByteBuffer {
        var body = error.envelopeBody()
        var headers = error.makeResponse().headers
        EdgeHeaderValues.applyCommon(to: &headers)
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        var text = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        for field in headers {
            text += "\(field.name.rawName): \(field.value)\r\n"
        }
        text += "\r\n"
        var output = allocator.buffer(string: text)
        output.writeBuffer(&body)
        return output
    }
}

/// Sits after the HTTP decoder: tells ``ConnectionDeadlineHandler`` when a request's end was read
/// and when its response's end was written, and closes the connection after a response that says
/// `Connection: close` (a 413 with the body still arriving) — first the sending side, then, once
/// the client has finished or after a short linger, the whole socket, so the client reads the
/// answer instead of a reset.
final class ResponseCompletionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a closing connection keeps reading (and discarding) what the client still sends.
    static let linger: TimeAmount = .seconds(2)

    private weak var deadlines: ConnectionDeadlineHandler?
    private var closeAfterResponse = false

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines = try? context.pipeline.syncOperations.handler(type: ConnectionDeadlineHandler.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { deadlines?.requestEnded() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            deadlines?.responseEnded()
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(data, promise: written)
            let channel = context.channel
            written.futureResult.whenComplete { _ in
                channel.close(mode: .output, promise: nil)
                channel.eventLoop.scheduleTask(in: Self.linger) { channel.close(promise: nil) }
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if closeAfterResponse, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension APIError {
    static func headersTooLarge(reason: String, limits: ServerLimits) -> APIError {
        APIError(
            status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "HEADERS_TOO_LARGE",
            message: reason,
            details: [
                "max_header_bytes": .number(Double(limits.maxHeaderBytes)),
                "max_header_count": .number(Double(limits.maxHeaderCount)),
            ])
    }

    static func requestTimeout(_ timeout: Duration) -> APIError {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return APIError(
            status: .requestTimeout, code: "REQUEST_TIMEOUT",
            message: "the request head did not arrive within \(seconds) s",
            details: ["timeout_seconds": .number(seconds)])
    }
}

extension ServerMetrics {
    /// A connection closed at accept because the connection cap was reached.
    func recordRejectedConnection() {
        CoreMetrics.Counter(label: "cracktrader_connections_rejected_total", factory: factory).increment()
    }

    /// A state-changing request answered 429.
    func recordRateLimited() {
        CoreMetrics.Counter(label: "cracktrader_rate_limited_total", factory: factory).increment()
    }
}
