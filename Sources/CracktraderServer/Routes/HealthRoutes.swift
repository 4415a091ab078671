#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Storage

/// `GET /api/v1/health`: overall status from real checks, run every time it is asked.
struct HealthRoutes {
    struct Check: Encodable {
        let status: String
        let message: String?
        let path: String?
        let seconds: Double?
    }
    struct Metrics: Encodable {
        let uptime_seconds: Double
        let requests_total: Int
    }
    struct Health: Encodable {
        let status: String
        let api_version: String
        let checks: [String: Check]
        let metrics: Metrics
        let timestamp: String
    }

    let dataDirectory: DataDirectory
    let state: ServerState

    func register(on routes: inout RouteRegistrar) throws {
        try routes.add(.get, "/api/v1/health") { _, _ in
            try JSONResponse.ok(report())
        }
    }

    func report() -> Health {
        var checks: [String: Check] = [:]
        switch dataDirectory.probeWritable() {
        case .success:
            checks["data_directory"] = Check(status: "pass", message: "writable", path: dataDirectory.path, seconds: nil)
        case .failure(let error):
            checks["data_directory"] = Check(status: "fail", message: error.description, path: dataDirectory.path, seconds: nil)
        }
        let uptime = state.uptimeSeconds
        checks["uptime"] = Check(status: "pass", message: nil, path: nil, seconds: uptime)
        let failed = checks.values.contains { $0.status == "fail" }
        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        return Health(
            status: failed ? "unhealthy" : "healthy",
            api_version: CracktraderVersion.apiVersion,
            checks: checks,
            metrics: Metrics(uptime_seconds: uptime, requests_total: state.requestsTotal),
            timestamp: HTTPDate.iso8601(epochMilliseconds: nowMilliseconds))
    }
}
