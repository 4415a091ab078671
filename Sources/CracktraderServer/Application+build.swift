import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import DataAccess
import NIOCore
import Storage

/// Builds the whole server: routes, edge rules, the WebSocket stream and the dashboard.
/// `cracktrader serve` runs what this returns; tests call it with a temporary data directory.
///
/// - Parameter onListening: called with the bound port once the socket is listening.
public func buildApplication(
    configuration: ServerConfiguration,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = configuration.logHandlerFactory.map { Logger(label: "cracktrader", factory: $0) } ?? Logger(label: "cracktrader")
    logger.logLevel = configuration.logLevel
    try configuration.validateExposure()

    let dataDirectory = DataDirectory(path: configuration.dataDirectory)
    try dataDirectory.create()
    let state = ServerState(configuredPort: configuration.port)
    let database = try await Database.open(directory: dataDirectory)
    // Runs the previous process left active died with it.
    let interrupted = try await database.runs.markInterruptedRuns()
    if !interrupted.isEmpty {
        logger.warning("runs interrupted by the previous shutdown marked failed", metadata: ["run_ids": "\(interrupted)"])
    }
    // Sweeps the previous process was running died with it too; their results were never stored.
    let interruptedSweeps = try await database.sweeps.markInterrupted()
    if !interruptedSweeps.isEmpty {
        logger.warning("sweeps interrupted by the previous shutdown marked interrupted", metadata: ["sweep_ids": "\(interruptedSweeps)"])
    }
    let resolver = configuration.runner.makeDataResolver?(database.candles) ?? DataResolver(store: database.candles)
    let hub = StatusHub()
    let controller = RunController(
        database: database, resolver: resolver, hub: hub, metrics: state.metrics, options: configuration.runner, logger: logger)
    // Interrupted sandbox/live runs: asked of their venue by client order id (never resumed).
    controller.reconcileInterruptedRuns(interrupted)
    let hostPolicy = HostPolicy(
        bindHost: configuration.host, allowedHosts: configuration.allowedHosts, corsOrigin: configuration.corsOrigin)
    let assets: AssetStore = try configuration.webUIDirectory.map { .directory($0) } ?? .embedded()

    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // The catalog is complete only after every route is added; the edge reads it through a box.
    let catalogBox = CatalogBox()
    let rateLimiter = RateLimiter(burst: configuration.limits.rateLimitBurst, perSecond: configuration.limits.rateLimitPerSecond)
    router.add(
        middleware: EdgeMiddleware(hostPolicy: hostPolicy, catalogBox: catalogBox, state: state, rateLimiter: rateLimiter))
    let health = HealthRoutes(dataDirectory: dataDirectory, state: state, controller: controller, hub: hub)
    if let authenticator = configuration.authenticator {
        router.add(middleware: AuthMiddleware(authenticator: authenticator, healthStatus: { await health.report().status }))
    }

    var routes = RouteRegistrar(router: router)
    try MetaRoutes.register(on: &routes, catalogProvider: { catalogBox.catalog })
    try health.register(on: &routes)
    try VenueOrderRoutes(controller: controller).register(on: &routes)
    let scripts = ScriptLibrary(store: database.scripts)
    try RunRoutes(controller: controller, health: health, scripts: scripts).register(on: &routes)
    try CatalogRoutes(resolver: resolver, options: configuration.runner, scripts: scripts).register(on: &routes)
    try ScriptRoutes(library: scripts, runs: database.runs, now: configuration.runner.now).register(on: &routes)
    let sweeps = SweepController(store: database.sweeps, resolver: resolver, hub: hub, options: configuration.runner, logger: logger)
    try SweepRoutes(controller: sweeps, idempotency: database.idempotency, scripts: database.scripts).register(on: &routes)
    try routes.add(.get, "/metrics") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = ByteBuffer(bytes: state.metrics.exposition())
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
    try AuthRoutes(authenticator: configuration.authenticator).register(on: &routes)
    try WebUIRoutes(store: assets).register(on: &routes)
    try routes.add(.get, StatusStream.path, isListed: false) { _, _ in
        throw APIError(
            status: .upgradeRequired, code: "UPGRADE_REQUIRED",
            message: "\(StatusStream.path) is a WebSocket; connect with Upgrade: websocket",
            headers: [.upgrade: "websocket"])
    }
    try routes.describe(RouteDescriptor(method: .get, path: StatusStream.path))
    for registration in configuration.additionalRoutes {
        try routes.add(registration)
    }
    let openAPI = OpenAPIDocument.build(catalog: routes.catalog, requiresAuthentication: configuration.authenticator != nil)
    try routes.add(.get, OpenAPIDocument.path) { _, _ in JSONResponse.raw(openAPI) }
    catalogBox.catalog = routes.catalog

    let webSocketRouter = Router(context: AppRequestContext.self)
    StatusStream(
        hostPolicy: hostPolicy, state: state, hub: hub, controller: controller,
        maxMessageBytes: configuration.limits.webSocketMaxMessageBytes, authenticator: configuration.authenticator
    ).register(on: webSocketRouter)

    return Application(
        router: router,
        server: .guardedWebSocketUpgrade(
            webSocketRouter: webSocketRouter, hostPolicy: hostPolicy, state: state, limits: configuration.limits,
            authenticator: configuration.authenticator),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            state.setBoundPort(port)
            await onListening(port)
        },
        logger: logger
    )
}

/// Holds the finished route catalog. The edge middleware must be added before the routes it wraps,
/// but needs the catalog of those routes: it is written once here, before the server accepts a request.
final class CatalogBox: @unchecked Sendable {
    var catalog = RouteCatalog()
}
