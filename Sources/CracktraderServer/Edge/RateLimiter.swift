import HTTPTypes
import Synchronization

/// Token buckets of state-changing requests, one per client address: `burst` tokens, refilled at
/// `perSecond`. Each POST, PUT, PATCH or DELETE takes one; none left is 429 `RATE_LIMITED` with
/// `Retry-After`. Reads and the WebSocket never take one.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let burst: Int
    let perSecond: Double
    /// Buckets idle long enough to be full again are dropped past this many clients.
    static let maximumTrackedClients = 10_000
    private let buckets = Mutex<[String: Bucket]>([:])

    init(burst: Int, perSecond: Double) {
        self.burst = burst
        self.perSecond = perSecond
    }

    var isEnabled: Bool { burst > 0 }

    static func limits(_ method: HTTPRequest.Method) -> Bool {
        [.post, .put, .patch, .delete].contains(method)
    }

    /// Takes a token for `client`: nil when granted, else the seconds to wait for the next one.
    func take(client: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard isEnabled else { return nil }
        let burst = Double(self.burst)
        let perSecond = self.perSecond
        return buckets.withLock { buckets -> Int? in
            if buckets.count >= Self.maximumTrackedClients { Self.prune(&buckets, now: now, burst: burst, perSecond: perSecond) }
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + Self.seconds(now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { buckets[client] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            guard perSecond > 0 else { return 3600 }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    private static func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, burst: Double, perSecond: Double) {
        buckets = buckets.filter { _, bucket in bucket.tokens + seconds(now - bucket.updated) * perSecond < burst }
        if buckets.count >= maximumTrackedClients { buckets.removeAll() }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension APIError {
    static func rateLimited(retryAfter: Int, limiter: RateLimiter) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfter)
        return APIError(
            status: .tooManyRequests, code: "RATE_LIMITED",
            message: "too many state-changing requests from this address; retry after \(retryAfter) s",
            details: [
                "retry_after_seconds": .number(Double(retryAfter)), "burst": .number(Double(limiter.burst)),
                "per_second": .number(limiter.perSecond),
            ],
            headers: headers)
    }
}
