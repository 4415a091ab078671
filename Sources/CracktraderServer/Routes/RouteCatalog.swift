import HTTPTypes
import Hummingbird

/// One route as the API describes it: in `/meta`, in `Allow` headers and in deprecation handling.
public struct RouteDescriptor: Sendable, Hashable {
    public let method: HTTPRequest.Method
    /// Path pattern as registered: `/api/v1/meta`, `/ui/**`, `/api/v1/runs/{id}`.
    public let path: String
    public let deprecation: Deprecation?
    /// Hidden routes (test probes) are served but not advertised in `/meta`.
    public let isListed: Bool

    public init(method: HTTPRequest.Method, path: String, deprecation: Deprecation? = nil, isListed: Bool = true) {
        self.method = method
        self.path = path
        self.deprecation = deprecation
        self.isListed = isListed
    }
}

/// A route supplied through `ServerConfiguration.additionalRoutes`.
public struct RouteRegistration: Sendable {
    public let descriptor: RouteDescriptor
    public let handler: @Sendable (Request, AppRequestContext) async throws -> Response

    public init(
        _ descriptor: RouteDescriptor,
        handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        self.descriptor = descriptor
        self.handler = handler
    }
}

/// Every route the server has. Built once at start-up, read-only afterwards.
public struct RouteCatalog: Sendable {
    public private(set) var routes: [RouteDescriptor] = []

    mutating func add(_ descriptor: RouteDescriptor) throws(ConfigurationError) {
        if let deprecation = descriptor.deprecation {
            try deprecation.validate(for: "\(descriptor.method.rawValue) \(descriptor.path)")
        }
        routes.append(descriptor)
    }

    /// Methods registered for the path of a request (HEAD implied by GET), for 405 answers.
    func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        var methods: [HTTPRequest.Method] = []
        for route in routes where Self.matches(pattern: route.path, path: path) {
            if !methods.contains(route.method) { methods.append(route.method) }
            if route.method == .get && !methods.contains(.head) { methods.append(.head) }
        }
        return methods
    }

    /// The deprecation of the route that served a request, found by the matched pattern.
    func deprecation(method: HTTPRequest.Method, pattern: String) -> Deprecation? {
        let method = method == .head ? .get : method
        return routes.first { $0.method == method && Self.normalize($0.path) == Self.normalize(pattern) }?.deprecation
    }

    /// Pattern segments: literal, `{name}` or `:name` (one segment), `**` (the rest, possibly empty).
    static func matches(pattern: String, path: String) -> Bool {
        let patternParts = pattern.split(separator: "/")
        let pathParts = path.split(separator: "/")
        var index = 0
        for part in patternParts {
            if part == "**" { return true }
            guard index < pathParts.count else { return false }
            let isParameter = part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}"))
            if !isParameter && part != pathParts[index] { return false }
            index += 1
        }
        return index == pathParts.count
    }

    private static func normalize(_ pattern: String) -> String {
        "/" + pattern.split(separator: "/").map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }
}
