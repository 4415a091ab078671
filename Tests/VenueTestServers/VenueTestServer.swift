import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Runs a Hummingbird application on 127.0.0.1 at a free port for the length of `body`, and
/// stops it (by its own task) afterwards. Every venue's test server is started through this.
public func withLocalServer<Value: Sendable>(
    router: Router<BasicRequestContext>,
    _ body: @Sendable (_ baseURL: String) async throws -> Value
) async throws -> Value {
    let port = Mutex<Int?>(nil)
    let (started, startedContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "venue-test-server")
    logger.logLevel = .warning
    let application = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? 0
            port.withLock { $0 = bound }
            startedContinuation.yield(bound)
            startedContinuation.finish()
        },
        logger: logger)
    let server = Task { try await application.runService(gracefulShutdownSignals: []) }
    defer { server.cancel() }
    var iterator = started.makeAsyncIterator()
    guard let bound = await iterator.next() else { throw CancellationError() }
    do {
        let value = try await body("http://127.0.0.1:\(bound)")
        server.cancel()
        _ = await server.result
        return value
    } catch {
        server.cancel()
        _ = await server.result
        throw error
    }
}
