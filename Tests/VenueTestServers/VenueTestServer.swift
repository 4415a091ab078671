import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Runs a Hummingbird application on 127.0.0.1 at a free port for the length of `body`, and
/// stops it (by its own task) afterwards. Every venue's test server is started through this.
public func withLocalServer<Value: Sendable>(
    router: Router<BasicRequestContext>,
    _ body: @Sendable (_ baseURL: String) async throws -> Value
) async throws -> Value {
    try await runLocal(label: "venue-test-server", server: .http1(), router: router, body)
}

/// Like ``withLocalServer(router:_:)`` for a router that also serves WebSocket routes (a venue's
/// private stream): REST and the upgrade on one port. `beforeStop` runs first when `body` ends
/// (closing stream connections, so the server can stop).
public func withLocalWebSocketServer<Value: Sendable>(
    label: String, router: Router<BasicWebSocketRequestContext>, beforeStop: @Sendable () -> Void = {},
    _ body: @Sendable (_ baseURL: String) async throws -> Value
) async throws -> Value {
    try await runLocal(label: label, server: .http1WebSocketUpgrade(webSocketRouter: router), router: router, beforeStop: beforeStop, body)
}

private func runLocal<Value: Sendable, Responder: HTTPResponderBuilder>(
    label: String, server: HTTPServerBuilder, router: Responder, beforeStop: @Sendable () -> Void = {},
    _ body: @Sendable (_ baseURL: String) async throws -> Value
) async throws -> Value where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let (started, startedContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: label)
    // Stopping by cancellation makes Hummingbird log "Already closed"/CancellationError at error
    // level on every run; only critical failures are worth printing here.
    logger.logLevel = .critical
    let application = Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            startedContinuation.yield(channel.localAddress?.port ?? 0)
            startedContinuation.finish()
        },
        logger: logger)
    let task = Task { try await application.runService(gracefulShutdownSignals: []) }
    var iterator = started.makeAsyncIterator()
    guard let port = await iterator.next() else {
        task.cancel()
        throw CancellationError()
    }
    let result: Result<Value, any Error>
    do {
        result = .success(try await body("http://127.0.0.1:\(port)"))
    } catch {
        result = .failure(error)
    }
    beforeStop()
    task.cancel()
    _ = await task.result
    return try result.get()
}
