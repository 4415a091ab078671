#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import TradingCore

/// `GET /api/v1/meta`: the version, every route and every deprecation.
struct MetaRoutes {
    struct Meta: Encodable {
        struct Endpoint: Encodable {
            let method: String
            let path: String
        }
        struct DeprecationNotice: Encodable {
            let method: String
            let path: String
            let deprecated_since: String
            let sunset: String
            let link: String
            @ExplicitNull var replacement: String?
        }
        let api_version: String
        let server_version: String
        @ExplicitNull var build: String?
        let endpoints: [Endpoint]
        let deprecations: [DeprecationNotice]
    }

    static func register(on routes: inout RouteRegistrar, catalogProvider: @escaping @Sendable () -> RouteCatalog) throws {
        try routes.add(.get, "/api/v1/meta") { _, _ in
            let catalog = catalogProvider()
            let listed = catalog.routes.filter(\.isListed)
            let meta = Meta(
                api_version: CracktraderVersion.apiVersion,
                server_version: CracktraderVersion.serverVersion,
                build: BuildInfo.commit,
                endpoints: listed.map { .init(method: $0.method.rawValue, path: $0.path) },
                deprecations: listed.compactMap { route in
                    route.deprecation.map { notice in
                        .init(
                            method: route.method.rawValue, path: route.path,
                            deprecated_since: ISO8601Timestamp.string(fromMilliseconds: Int64(notice.announced.timeIntervalSince1970 * 1000)),
                            sunset: ISO8601Timestamp.string(fromMilliseconds: Int64(notice.sunset.timeIntervalSince1970 * 1000)),
                            link: notice.link, replacement: notice.replacement)
                    }
                })
            return try JSONResponse.ok(meta)
        }
    }
}
