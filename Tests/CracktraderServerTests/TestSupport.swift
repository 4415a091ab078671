import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A fresh temporary data directory, removed by the caller with `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cracktrader-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension HTTPField.Name {
    static let apiVersionHeader = Self("X-Cracktrader-API-Version")!
    static let deprecationHeader = Self("Deprecation")!
    static let sunsetHeader = Self("Sunset")!
    static let linkHeader = Self("Link")!
    static let cspHeader = Self("Content-Security-Policy")!
    static let nosniffHeader = Self("X-Content-Type-Options")!
    static let referrerPolicyHeader = Self("Referrer-Policy")!
    static let allowOriginHeader = Self("Access-Control-Allow-Origin")!
    static let literalHost = Self("Host")!
}

/// Runs `body` against an application built with a temporary data directory.
func withTestApplication(
    _ testingSetup: TestingSetup = .router,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
    configure(&configuration)
    let app = try await buildApplication(configuration: configuration)
    try await app.test(testingSetup, body)
}

/// Decodes a response body as a JSON object.
func jsonObject(_ buffer: ByteBuffer) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    guard let dictionary = object as? [String: Any] else { throw TestFailure("body is not a JSON object") }
    return dictionary
}

/// The exact envelope bytes the server must send (keys sorted).
func envelope(code: String, message: String, details: String = "{}") -> String {
    #"{"error":{"code":"\#(code)","details":\#(details),"message":"\#(message)"}}"#
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Location of the repository's WebUI folder, found from this file's path.
let webUIDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("WebUI").path
}()
