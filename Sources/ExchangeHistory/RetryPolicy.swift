import MarketData

/// When and how long to wait before repeating a failed request.
///
/// Retried: HTTP 429 and 418 (rate limit / Binance IP ban), 5xx, transport errors (connection
/// refused, reset, timeout) and venue envelopes that say "too many requests" or "busy". Anything else
/// (other 4xx, unknown symbol, malformed payload) fails at once.
///
/// The wait is the response's `Retry-After` (delta-seconds or HTTP-date) when present, otherwise
/// exponential backoff: `min(maxDelay, baseDelay × multiplier^(n−1))` after the n-th failure, of
/// which the fraction `jitter` is randomised (`0.5` → uniformly between half and the full delay).
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts per request, the first included (1 = never retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var multiplier: Double
    public var maxDelay: Duration
    /// 0…1: the fraction of each backoff delay that is random. 0 makes delays deterministic.
    public var jitter: Double
    /// A `Retry-After` longer than this is not waited out: the download fails with the venue's
    /// message instead (a Binance 418 ban can last days).
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 6,
        baseDelay: Duration = .milliseconds(500),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(30),
        jitter: Double = 0.5,
        maxRetryAfter: Duration = .seconds(300)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = min(1, max(0, jitter))
        self.maxRetryAfter = maxRetryAfter
    }

    /// 6 attempts, 0.5 s × 2ⁿ capped at 30 s, half-jittered, `Retry-After` honoured up to 5 minutes.
    public static let `default` = RetryPolicy()
    /// A single attempt.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The backoff after `failures` consecutive failures (≥ 1); `random` is uniform in 0..<1.
    public func backoff(afterFailures failures: Int, random: Double) -> Duration {
        let exponent = Double(max(0, failures - 1))
        var seconds = baseDelay.seconds * pow(multiplier, exponent)
        seconds = min(seconds, maxDelay.seconds)
        seconds *= 1 - jitter * min(max(random, 0), 1)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The backoff with a system-random jitter.
    public func backoff(afterFailures failures: Int) -> Duration {
        backoff(afterFailures: failures, random: Double.random(in: 0..<1))
    }

    /// Parses a `Retry-After` value: delta-seconds (`"120"`) or an IMF-fixdate
    /// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, relative to `now` ms). `nil` when unparseable.
    public static func parseRetryAfter(_ value: String, now: Int64) -> Duration? {
        let text = value.trimmingASCIISpaces()
        if let seconds = Int64(text), seconds >= 0 { return .seconds(seconds) }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        guard let date = HTTPDate.parse(text) else { return nil }
        return .milliseconds(max(0, date - now))
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= base
            remaining -= 1
            if result > 1e12 { break }
        }
        return result
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

/// RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) → Unix ms, without Foundation.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = Int64(parts[1]), (1...31).contains(day),
              let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = Int64(parts[3]), parts[3].count == 4
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = PeriodCalendar.daysFromCivil(year: year, month: Int64(monthIndex + 1), day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    }
}
