import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A fixed "now" for run defaults: 2024-03-01T00:30:00Z.
let fixedNow: Int64 = 1_709_253_000_000

func fixedClock(_ configuration: inout ServerConfiguration) {
    configuration.runner = RunnerOptions(now: { fixedNow })
}

struct JSONReply: Sendable {
    let status: HTTPResponse.Status
    let text: String

    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var errorDetails: [String: Any] { (object["error"] as? [String: Any])?["details"] as? [String: Any] ?? [:] }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, json body: String? = nil) async throws -> JSONReply {
        var headers = HTTPFields()
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            JSONReply(status: response.status, text: String(buffer: response.body))
        }
    }

    /// Polls `/status` until its status is one of `wanted`; returns the last status document.
    @discardableResult
    func waitForStatus(_ wanted: Set<String>, timeout: Duration = .seconds(20)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await call(.get, "/api/v1/status").object
            if let value = status["status"] as? String, wanted.contains(value) { return status }
            if ContinuousClock.now > deadline {
                throw TestFailure("status stayed \(status["status"] ?? "?"), wanted \(wanted.sorted())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A paper run that stays `running` until stopped (one 1h bar per hour of real time).
let slowPaperRun = #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"],"mode":"paper","speed":1}"#
/// A backtest of the default range (90 days of 1h bars: 2,160 bars).
let minimalBacktestBody = #"{"strategy_name":"MovingAverageCross","symbols":["BTC/USDT"]}"#
