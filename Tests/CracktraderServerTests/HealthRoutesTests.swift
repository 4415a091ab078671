import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("GET /api/v1/health")
struct HealthRoutesTests {
    @Test("healthy: the contract's fields with real checks")
    func healthy() async throws {
        try await withTestApplication { client in
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(Set(body.keys) == ["status", "api_version", "checks", "metrics", "timestamp"])
                #expect(body["status"] as? String == "healthy")
                #expect(body["api_version"] as? String == "v1")
                let checks = try #require(body["checks"] as? [String: [String: Any]])
                #expect(checks["data_directory"]?["status"] as? String == "pass")
                #expect(checks["uptime"]?["status"] as? String == "pass")
                let uptime = try #require(checks["uptime"]?["seconds"] as? Double)
                #expect(uptime >= 0 && uptime < 60)
                let metrics = try #require(body["metrics"] as? [String: Any])
                #expect((metrics["requests_total"] as? Int ?? 0) >= 1)
                let timestamp = try #require(body["timestamp"] as? String)
                #expect(timestamp.hasSuffix("Z"))
                let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: timestamp))
                #expect(abs(parsed.timeIntervalSinceNow) < 60)
            }
        }
    }

    @Test("uptime grows between calls")
    func uptimeGrows() async throws {
        try await withTestApplication { client in
            func uptime() async throws -> Double {
                try await client.execute(uri: "/api/v1/health", method: .get) { response in
                    let checks = try jsonObject(response.body)["checks"] as? [String: [String: Any]]
                    return checks?["uptime"]?["seconds"] as? Double ?? -1
                }
            }
            let first = try await uptime()
            try await Task.sleep(for: .milliseconds(50))
            let second = try await uptime()
            #expect(second - first >= 0.04)
        }
    }

    @Test("unwritable data directory: unhealthy, with the reason")
    func unhealthy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dataPath = directory.path + "/data"
        let configuration = ServerConfiguration(port: 0, dataDirectory: dataPath, logLevel: .critical)
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in
            // Replace the directory with a file: no probe can be written inside it any more.
            try FileManager.default.removeItem(atPath: dataPath)
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: dataPath))
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(body["status"] as? String == "unhealthy")
                let check = (body["checks"] as? [String: [String: Any]])?["data_directory"]
                #expect(check?["status"] as? String == "fail")
                #expect((check?["message"] as? String)?.contains("cannot write") == true)
            }
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
