import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("GET /api/v1/meta and deprecations")
struct MetaRoutesTests {
    static let announced = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let sunset = Date(timeIntervalSince1970: 1_767_225_600 + 120 * 86_400)  // 2026-05-01T00:00:00Z

    static func deprecatedProbe(sunset: Date = sunset) -> RouteRegistration {
        RouteRegistration(
            RouteDescriptor(
                method: .get, path: "/api/v1/test/old",
                deprecation: Deprecation(
                    announced: announced, sunset: sunset, link: "https://docs.example/migrate",
                    replacement: "GET /api/v1/test/new"))
        ) { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "old"))) }
    }

    @Test("meta lists version, build, every endpoint and no deprecations by default")
    func meta() async throws {
        try await withTestApplication { client in
            try await client.execute(uri: "/api/v1/meta", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.apiVersionHeader] == "v1")
                let body = try jsonObject(response.body)
                #expect(body["api_version"] as? String == "v1")
                #expect(body["server_version"] as? String == CracktraderVersion.serverVersion)
                #expect(body.keys.contains("build"))
                #expect((body["deprecations"] as? [Any])?.isEmpty == true)
                let endpoints = try #require(body["endpoints"] as? [[String: String]])
                let pairs = Set(endpoints.map { "\($0["method"]!) \($0["path"]!)" })
                for expected in ["GET /api/v1/meta", "GET /api/v1/health", "GET /ui", "GET /ui/**", "GET /", "GET /api/v1/ws/status"] {
                    #expect(pairs.contains(expected), "missing \(expected)")
                }
                #expect(endpoints.count == pairs.count, "an endpoint is listed twice")
            }
        }
    }

    @Test("a deprecated route sends Deprecation, Sunset and Link and is announced in meta")
    func deprecatedRoute() async throws {
        try await withTestApplication(configure: { $0.additionalRoutes = [Self.deprecatedProbe()] }) { client in
            try await client.execute(uri: "/api/v1/test/old", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.deprecationHeader] == "@1767225600")
                #expect(response.headers[.sunsetHeader] == "Fri, 01 May 2026 00:00:00 GMT")
                #expect(response.headers[.linkHeader] == #"<https://docs.example/migrate>; rel="deprecation"; type="text/html", </api/v1/test/new>; rel="successor-version""#)
                #expect(response.headers[.apiVersionHeader] == "v1")
            }
            try await client.execute(uri: "/api/v1/test/old", method: .head) { response in
                #expect(response.headers[.deprecationHeader] == "@1767225600")
            }
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.headers[.deprecationHeader] == nil)
                #expect(response.headers[.sunsetHeader] == nil)
            }
            try await client.execute(uri: "/api/v1/meta", method: .get) { response in
                let body = try jsonObject(response.body)
                let deprecations = try #require(body["deprecations"] as? [[String: Any]])
                #expect(deprecations.count == 1)
                let notice = try #require(deprecations.first)
                #expect(notice["method"] as? String == "GET")
                #expect(notice["path"] as? String == "/api/v1/test/old")
                #expect(notice["deprecated_since"] as? String == "2026-01-01T00:00:00.000Z")
                #expect(notice["sunset"] as? String == "2026-05-01T00:00:00.000Z")
                #expect(notice["link"] as? String == "https://docs.example/migrate")
                #expect(notice["replacement"] as? String == "GET /api/v1/test/new")
            }
        }
    }

    @Test("a sunset under 90 days after the announcement is rejected at start-up")
    func shortNoticeRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let tooSoon = Self.announced.addingTimeInterval(89 * 86_400)
        let configuration = ServerConfiguration(
            port: 0, dataDirectory: directory.path, logLevel: .critical,
            additionalRoutes: [Self.deprecatedProbe(sunset: tooSoon)])
        await #expect(throws: ConfigurationError.self) {
            _ = try await buildApplication(configuration: configuration)
        }
        let exactly90 = ServerConfiguration(
            port: 0, dataDirectory: directory.path, logLevel: .critical,
            additionalRoutes: [Self.deprecatedProbe(sunset: Self.announced.addingTimeInterval(90 * 86_400))])
        _ = try await buildApplication(configuration: exactly90)
    }
}
