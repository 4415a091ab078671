#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird
import TradingCore
import Storage

/// `GET /api/v1/health`: overall status from real checks, run every time it is asked.
///
/// Checks: `data_directory` and `storage` (the database takes a write) fail → `unhealthy`;
/// `disk` (free space: < 100 MiB fails, < 1 GiB warns), `market_data` (the live feed of a
/// running paper run delivered a bar recently) and `runner` warn → `degraded`.
struct HealthRoutes: Sendable {
    struct Check: Encodable, Sendable {
        let status: String
        @ExplicitNull var message: String?
        var path: String? = nil
        var seconds: Double? = nil
        var free_bytes: Int64? = nil
        var run_status: String? = nil
    }
    struct Metrics: Encodable, Sendable {
        let uptime_seconds: Double
        let runs_total: Int
        let runs_failed: Int
        let active_websockets: Int
        let requests_total: Int
        @ExplicitNull var memory_rss_bytes: Int64?
    }
    struct Health: Encodable, Sendable {
        let status: String
        let api_version: String
        let checks: [String: Check]
        let metrics: Metrics
        let timestamp: String
    }

    let dataDirectory: DataDirectory
    let state: ServerState
    let controller: RunController
    let hub: StatusHub

    static let diskFailBytes: Int64 = 100 << 20
    static let diskWarnBytes: Int64 = 1 << 30

    func register(on routes: inout RouteRegistrar) throws {
        try routes.add(.get, "/api/v1/health") { _, _ in
            try JSONResponse.ok(await report())
        }
    }

    func report() async -> Health {
        var checks: [String: Check] = [:]
        switch dataDirectory.probeWritable() {
        case .success:
            checks["data_directory"] = Check(status: "pass", message: "writable", path: dataDirectory.path)
        case .failure(let error):
            checks["data_directory"] = Check(status: "fail", message: error.description, path: dataDirectory.path)
        }
        do {
            try await controller.database.runs.probeWritable()
            checks["storage"] = Check(status: "pass", message: "database accepts writes")
        } catch {
            checks["storage"] = Check(status: "fail", message: "database write failed: \(error)")
        }
        if let free = Self.freeDiskBytes(dataDirectory.path) {
            let status = free < Self.diskFailBytes ? "fail" : free < Self.diskWarnBytes ? "warn" : "pass"
            checks["disk"] = Check(status: status, message: "\(free >> 20) MiB free", path: dataDirectory.path, free_bytes: free)
        } else {
            checks["disk"] = Check(status: "warn", message: "free space could not be measured", path: dataDirectory.path)
        }
        let runStatus = controller.status
        checks["runner"] = Check(status: "pass", message: "runner is \(runStatus.rawValue)", run_status: runStatus.rawValue)
        if let feed = controller.feedFreshness() {
            // Stale after three bar periods (in real time) plus a 5 s grace.
            let limit = 3 * feed.period + 5
            let fresh = feed.sinceLastBar <= limit
            checks["market_data"] = Check(
                status: fresh ? "pass" : "warn",
                message: fresh ? "live feed is fresh" : "no bar for \(Int(feed.sinceLastBar)) s (expected one every \(feed.period) s)",
                seconds: feed.sinceLastBar)
        } else {
            checks["market_data"] = Check(status: "pass", message: "no live feed is active")
        }
        let uptime = state.uptimeSeconds
        checks["uptime"] = Check(status: "pass", message: nil, seconds: uptime)
        let statuses = checks.values.map(\.status)
        let overall = statuses.contains("fail") ? "unhealthy" : statuses.contains("warn") ? "degraded" : "healthy"
        let counts = controller.counts
        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        return Health(
            status: overall,
            api_version: CracktraderVersion.apiVersion,
            checks: checks,
            metrics: Metrics(
                uptime_seconds: uptime, runs_total: counts.total, runs_failed: counts.failed, active_websockets: hub.clientCount,
                requests_total: state.requestsTotal, memory_rss_bytes: Self.residentMemoryBytes()),
            timestamp: ISO8601Timestamp.string(fromMilliseconds: nowMilliseconds))
    }

    /// Bytes available to this user on the file system holding `path`.
    static func freeDiskBytes(_ path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Resident set size from `/proc/self/statm` (Linux); nil elsewhere.
    static func residentMemoryBytes() -> Int64? {
        #if os(Linux)
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        let fields = buffer.prefix(count).split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let resident = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return Int64(resident) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return nil
        #endif
    }
}
