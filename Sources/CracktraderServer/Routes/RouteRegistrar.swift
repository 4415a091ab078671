import HTTPTypes
import Hummingbird

/// Adds routes to the router and to the catalog together, so `/meta`, `Allow` headers and
/// deprecation headers can never disagree with what is actually served.
struct RouteRegistrar {
    let router: Router<AppRequestContext>
    private(set) var catalog = RouteCatalog()

    init(router: Router<AppRequestContext>) {
        self.router = router
    }

    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, deprecation: Deprecation? = nil, isListed: Bool = true,
        handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) throws {
        try catalog.add(RouteDescriptor(method: method, path: path, deprecation: deprecation, isListed: isListed))
        router.on(RouterPath(path), method: method, use: handler)
    }

    /// Records a route that another router serves (the WebSocket upgrade), for `/meta` only.
    mutating func describe(_ descriptor: RouteDescriptor) throws {
        try catalog.add(descriptor)
    }

    mutating func add(_ registration: RouteRegistration) throws {
        let route = registration.descriptor
        try add(route.method, route.path, deprecation: route.deprecation, isListed: route.isListed, handler: registration.handler)
    }
}
