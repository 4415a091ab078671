import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request relative to the venue's base URL, exactly as it will be sent (and signed).
public struct VenueHTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Path and query, percent-encoded as sent: `/api/v3/order?symbol=BTCUSDT&…`.
    public var pathAndQuery: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: HTTPMethod, pathAndQuery: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
    }
}

/// A venue's answer: status, headers and body bytes.
public struct VenueHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The REST transport every venue adapter shares, over AsyncHTTPClient.
///
/// - Paces requests to the configured minimum interval (ccxt's `rateLimit`/`enableRateLimit`).
/// - 429 and 418 throw `.rateLimited` with the `Retry-After` seconds, and every later request
///   waits until that time has passed (Binance bans an IP that keeps calling after a 429).
/// - A connection that cannot be made throws `.unreachable`; a timeout, a dropped connection or
///   a 5xx throws `.outcomeUnknown`: the request may have reached the matching engine, so an order
///   call must be followed by a query by client order id, never a blind resend.
/// - Every other status is returned for the venue's parser; error messages carry the method and
///   path (never the query, which holds signatures) and never a credential.
public final class VenueHTTPClient: Sendable {
    public let venue: String
    public let baseURL: String
    private let httpClient: HTTPClient
    private let timeout: TimeAmount
    private let minimumInterval: Duration?
    private let schedule = Mutex<Schedule>(Schedule())
    /// The longest `Retry-After` a call waits for before giving up with `.rateLimited`.
    public static let maxRetryAfterWait: Duration = .seconds(60)
    static let maxBodyBytes = 8 << 20

    struct Schedule {
        var nextAllowed: ContinuousClock.Instant?
        var pausedUntil: ContinuousClock.Instant?
    }

    public init(httpClient: HTTPClient, venue: String, baseURL: String, configuration: VenueConfiguration) {
        self.httpClient = httpClient
        self.venue = venue
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = .nanoseconds(Int64(max(0.05, configuration.requestTimeoutSeconds) * 1e9))
        if configuration.enableRateLimit, let milliseconds = configuration.rateLimitMilliseconds, milliseconds > 0 {
            minimumInterval = .milliseconds(Int64(milliseconds.rounded(.up)))
        } else {
            minimumInterval = nil
        }
    }

    public func send(_ request: VenueHTTPRequest) async throws(ExecutionError) -> VenueHTTPResponse {
        try await waitForTurn()
        var outgoing = HTTPClientRequest(url: baseURL + request.pathAndQuery)
        outgoing.method = request.method
        outgoing.headers.add(name: "User-Agent", value: "cracktrader")
        outgoing.headers.add(name: "Accept", value: "application/json")
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let label = "\(request.method.rawValue) \(request.pathAndQuery.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "")"
        let response: VenueHTTPResponse
        do {
            let answer = try await httpClient.execute(outgoing, timeout: timeout)
            let body = try await answer.body.collect(upTo: Self.maxBodyBytes)
            response = VenueHTTPResponse(
                status: Int(answer.status.code), headers: answer.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView))
        } catch {
            throw Self.classify(error, venue: venue, label: label)
        }
        switch response.status {
        case 429, 418:
            let seconds = response.header("Retry-After").flatMap { Double($0.filter { $0 != " " }) }
            let wait = seconds ?? (response.status == 418 ? 120 : 1)
            let until = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
            schedule.withLock { $0.pausedUntil = max($0.pausedUntil ?? until, until) }
            let reason = response.status == 418 ? "IP banned for ignoring rate limits (HTTP 418)" : "rate limited (HTTP 429)"
            throw ExecutionError(.rateLimited, "\(venue): \(reason) on \(label); retry after \(Self.format(wait)) s", retryAfter: wait)
        case 500...599:
            throw ExecutionError(.outcomeUnknown, "\(venue): HTTP \(response.status) on \(label); the outcome is unknown")
        default:
            return response
        }
    }

    /// Waits out a `Retry-After` pause and the pacing interval.
    private func waitForTurn() async throws(ExecutionError) {
        let now = ContinuousClock.now
        let wait = schedule.withLock { state -> Duration? in
            var start = now
            if let paused = state.pausedUntil, paused > start { start = paused }
            if let next = state.nextAllowed, next > start { start = next }
            if let minimumInterval { state.nextAllowed = start + minimumInterval }
            return start > now ? start - now : nil
        }
        guard let wait else { return }
        if wait > Self.maxRetryAfterWait {
            let seconds = Double(wait.components.seconds)
            throw ExecutionError(.rateLimited, "\(venue): rate limited; the venue asks to wait \(Self.format(seconds)) s", retryAfter: seconds)
        }
        do { try await Task.sleep(for: wait) } catch {
            throw ExecutionError(.outcomeUnknown, "\(venue): cancelled while waiting for the rate limit")
        }
    }

    /// `.unreachable` when no connection was made (so nothing was sent), else `.outcomeUnknown`.
    static func classify(_ error: any Error, venue: String, label: String) -> ExecutionError {
        if let error = error as? ExecutionError { return error }
        let notConnected: Bool
        if let client = error as? HTTPClientError {
            notConnected = client == .connectTimeout || client == .getConnectionFromPoolTimeout || client == .tlsHandshakeTimeout
                || client == .invalidURL || client == .emptyHost || client == .unsupportedScheme("")
        } else if error is NIOConnectionError {
            notConnected = true
        } else if let channel = error as? ChannelError, case .connectTimeout = channel {
            notConnected = true
        } else if let io = error as? IOError {
            notConnected = [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(io.errnoCode)
        } else {
            notConnected = "\(type(of: error))".contains("NWConnectionError") || "\(error)".contains("connectionRefused")
        }
        if notConnected {
            return ExecutionError(.unreachable, "\(venue): cannot connect (\(label)): \(shortDescription(error))")
        }
        return ExecutionError(.outcomeUnknown, "\(venue): no answer to \(label) (\(shortDescription(error))); the outcome is unknown")
    }

    private static func shortDescription(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
