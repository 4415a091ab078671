import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WebUIAssets

@Suite("Dashboard files at /ui")
struct WebUIRoutesTests {
    static let strictPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    var index: EmbeddedAssetSource { EmbeddedAssetCatalog.entries.first { $0.path == "index.html" }! }

    func file(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: webUIDirectory + "/" + name))
    }

    @Test("gzip when accepted: exact headers and the embedded gzip bytes")
    func gzipWhenAccepted() async throws {
        let index = self.index
        try await withTestApplication { client in
            try await client.execute(uri: "/ui", method: .get, headers: [.acceptEncoding: "gzip, deflate, br"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.eTag] == index.entityTag)
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.headers[.apiVersionHeader] == "v1")
                #expect(response.headers[.nosniffHeader] == "nosniff")
                // `no-referrer` would make the browser post the sign-in form with `Origin: null` (refused).
                #expect(response.headers[.referrerPolicyHeader] == "same-origin")
                #expect(response.headers[.cspHeader] == Self.strictPolicy)
                #expect(Data(response.body.readableBytesView) == Data(base64Encoded: index.gzipBase64))
                #expect(response.headers[.contentLength] == String(response.body.readableBytes))
            }
        }
    }

    @Test(
        "identity when gzip is not acceptable",
        arguments: [nil, "identity", "gzip;q=0", "gzip;q=0, *;q=1", "br, deflate", "*;q=0"] as [String?])
    func identity(acceptEncoding: String?) async throws {
        let expected = try file("index.html")
        try await withTestApplication { client in
            var headers = HTTPFields()
            if let acceptEncoding { headers[.acceptEncoding] = acceptEncoding }
            try await client.execute(uri: "/ui", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(Data(response.body.readableBytesView) == expected)
            }
        }
    }

    @Test("q-values: gzip allowed through a positive q or the wildcard", arguments: ["gzip;q=0.5", "*", "GZIP", "x-gzip", "identity;q=1, *;q=0.1"])
    func gzipByQuality(acceptEncoding: String) async throws {
        try await withTestApplication { client in
            try await client.execute(uri: "/ui/app.js", method: .get, headers: [.acceptEncoding: acceptEncoding]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
            }
        }
    }

    @Test("If-None-Match: 304 with validators and no body")
    func notModified() async throws {
        let index = self.index
        try await withTestApplication { client in
            for value in [index.entityTag, "W/\(index.entityTag)", "\"other\", \(index.entityTag)", "*"] {
                try await client.execute(uri: "/ui", method: .get, headers: [.ifNoneMatch: value]) { response in
                    #expect(response.status == .notModified)
                    #expect(response.headers[.eTag] == index.entityTag)
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(response.headers[.apiVersionHeader] == "v1")
                    #expect(response.body.readableBytes == 0)
                }
            }
            try await client.execute(uri: "/ui", method: .get, headers: [.ifNoneMatch: "\"stale\""]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("MIME types and caching per file kind")
    func mimeTypes() async throws {
        try await withTestApplication { client in
            try await client.execute(uri: "/ui/style.css", method: .get) { response in
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=86400")
            }
            try await client.execute(uri: "/ui/app.js", method: .get) { response in
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=86400")
            }
            try await client.execute(uri: "/ui/index.html", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-cache")
            }
        }
    }

    @Test("HEAD: headers of GET, no body")
    func head() async throws {
        let index = self.index
        try await withTestApplication { client in
            try await client.execute(uri: "/ui", method: .head, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.eTag] == index.entityTag)
                #expect(response.headers[.contentLength] == String(Data(base64Encoded: index.gzipBase64)!.count))
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test("/ redirects to /ui")
    func rootRedirect() async throws {
        try await withTestApplication { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ui")
                #expect(response.headers[.apiVersionHeader] == "v1")
            }
        }
    }

    @Test("unknown /ui path: 404 envelope", arguments: ["/ui/missing.js", "/ui/../Package.swift", "/ui/EmbeddedAssetCatalog.swift"])
    func unknownFile(path: String) async throws {
        try await withTestApplication { client in
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.apiVersionHeader] == "v1")
                let body = try jsonObject(response.body)
                let error = body["error"] as? [String: Any]
                #expect(error?["code"] as? String == "NOT_FOUND")
            }
        }
    }

    @Test("--web-ui-dir serves the folder from disk")
    func diskMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try Data("<!doctype html><title>dev</title>".utf8).write(to: URL(fileURLWithPath: directory.path + "/index.html"))
        try Data("console.log(1)".utf8).write(to: URL(fileURLWithPath: directory.path + "/extra.js"))
        try await withTestApplication(configure: { $0.webUIDirectory = directory.path }) { client in
            try await client.execute(uri: "/ui", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "<!doctype html><title>dev</title>")
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.eTag]?.hasPrefix("W/\"") == true)
            }
            try await client.execute(uri: "/ui/extra.js", method: .get) { response in
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
            }
            try await client.execute(uri: "/ui/.hidden", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
