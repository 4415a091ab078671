import AsyncHTTPClient
import ExchangeHistory
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TradingCore

/// A request as the mock venue received it.
struct RecordedRequest: Sendable {
    var path: String
    /// Percent-decoded query parameters.
    var query: [String: String]
    /// Parameter names in the order they were sent.
    var queryNames: [String]
    var userAgent: String?

    func int(_ name: String) -> Int64? { query[name].flatMap { Int64($0) } }
}

/// What the mock venue answers.
struct CannedResponse: Sendable {
    var status: Int = 200
    var headers: [String: String] = [:]
    var body: String

    static func json(_ body: String) -> CannedResponse { CannedResponse(body: body) }
}

/// Thread-safe list of received requests.
final class RequestLog: Sendable {
    private let storage = Mutex<[RecordedRequest]>([])
    func append(_ request: RecordedRequest) -> Int {
        storage.withLock { list in
            list.append(request)
            return list.count - 1
        }
    }
    var requests: [RecordedRequest] { storage.withLock { $0 } }
}

/// Records the delays the downloader asks for instead of waiting.
final class SleepRecorder: Sendable {
    private let storage = Mutex<[Duration]>([])
    var durations: [Duration] { storage.withLock { $0 } }
    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in storage.withLock { $0.append(duration) } }
    }
}

/// Serves one venue path on 127.0.0.1 (random port) with Hummingbird; `respond` gets every request
/// with its 0-based index and returns the canned answer.
func withMockVenue(
    path: String,
    respond: @escaping @Sendable (RecordedRequest, Int) -> CannedResponse,
    _ body: @Sendable (_ baseURL: String, _ log: RequestLog) async throws -> Void
) async throws {
    let log = RequestLog()
    let router = Router()
    router.get(RouterPath(path)) { request, _ -> Response in
        var query: [String: String] = [:]
        var names: [String] = []
        for (key, value) in request.uri.queryParameters {
            query[String(key)] = String(value)
            names.append(String(key))
        }
        let recorded = RecordedRequest(path: request.uri.path, query: query, queryNames: names, userAgent: request.headers[.userAgent])
        let index = log.append(recorded)
        let canned = respond(recorded, index)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in canned.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: canned.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: canned.body)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        let port = try #require(client.port)
        try await body("http://127.0.0.1:\(port)", log)
    }
}

/// Milliseconds helpers.
enum T {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// 2024-01-01T00:00:00Z
    static let jan2024: Int64 = 1_704_067_200_000
}

/// Deterministic decimal strings for a bar opening at `t` (what a venue would send) and the bar
/// they must parse to.
enum Synthetic {
    static func fields(_ t: Int64) -> (open: String, high: String, low: String, close: String, volume: String) {
        let i = (t / T.minute) % 997
        return ("\(42000 + i).10", "\(42100 + i).25", "\(41900 + i).05", "\(42050 + i).20", "\(i).123456")
    }

    static func bar(_ t: Int64) -> Bar {
        let f = fields(t)
        return Bar(openTime: t, open: Double(f.open)!, high: Double(f.high)!, low: Double(f.low)!, close: Double(f.close)!, volume: Double(f.volume)!)
    }

    /// Open times `first, first+step, …` below `end`.
    static func times(from first: Int64, to end: Int64, step: Int64) -> [Int64] {
        Array(stride(from: first, to: end, by: Int(step)).map { Int64($0) })
    }
}

extension TradingSymbol {
    static func make(_ text: String) -> TradingSymbol { try! TradingSymbol(parsing: text) }
}

func downloader(
    _ venue: VenueID, baseURL: String, sleeper: SleepRecorder = SleepRecorder(), now: Int64 = T.jan2024 + 3650 * T.day,
    retry: RetryPolicy = RetryPolicy(jitter: 0), partial: PartialHistoryPolicy = .fail, timeout: Duration = .seconds(10)
) -> HistoryDownloader {
    HistoryDownloader(
        httpClient: .shared, venue: venue, baseURL: baseURL, retryPolicy: retry, pageInterval: .zero,
        requestTimeout: timeout, partialHistory: partial, sleep: sleeper.sleep, now: { now })
}

/// Runs `body` and returns the `TradingError` it throws (records an issue otherwise).
func tradingError(_ body: () async throws -> Void) async -> TradingError? {
    do {
        try await body()
    } catch let error as TradingError {
        return error
    } catch {
        return nil
    }
    return nil
}
