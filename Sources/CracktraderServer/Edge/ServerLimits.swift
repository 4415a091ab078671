/// The server's abuse limits: connection count, timeouts, header and WebSocket caps and the rate
/// limit on state-changing requests. `cracktrader serve` sets them from flags; tests shrink them.
/// Defaults and flags are listed in `docs/operations.md` ("Limits").
public struct ServerLimits: Sendable {
    /// Concurrent TCP connections; the excess is closed as soon as it is accepted (`--max-connections`).
    public var maxConnections: Int
    /// From the first byte of a request to the end of its head (`--request-head-timeout`).
    public var requestHeadTimeout: Duration
    /// From the end of a request head to the end of its body (`--request-body-timeout`).
    public var requestBodyTimeout: Duration
    /// A keep-alive connection with no request in progress is closed after this (`--idle-timeout`).
    public var idleTimeout: Duration
    /// Largest request head (request line and header fields, in bytes); larger is 431.
    public var maxHeaderBytes: Int
    /// Most header fields in one request; more is 431.
    public var maxHeaderCount: Int
    /// Largest WebSocket frame a client may send.
    public var webSocketMaxFrameBytes: Int
    /// Largest WebSocket message (all frames of it) a client may send.
    public var webSocketMaxMessageBytes: Int
    /// The server pings every interval; a client that has not answered the previous ping by the
    /// next one is closed (1001), so the ping/pong timeout equals the interval.
    public var webSocketPingInterval: Duration
    /// Token bucket of state-changing requests (POST, PUT, PATCH, DELETE) per client address:
    /// this many at once (`--rate-limit-burst`; 0 turns the limit off)…
    public var rateLimitBurst: Int
    /// …refilled at this many per second (`--rate-limit-per-second`).
    public var rateLimitPerSecond: Double

    public init(
        maxConnections: Int = 512,
        requestHeadTimeout: Duration = .seconds(10),
        requestBodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        webSocketMaxFrameBytes: Int = 16 * 1024,
        webSocketMaxMessageBytes: Int = 64 * 1024,
        webSocketPingInterval: Duration = .seconds(30),
        rateLimitBurst: Int = 30,
        rateLimitPerSecond: Double = 10
    ) {
        self.maxConnections = maxConnections
        self.requestHeadTimeout = requestHeadTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.idleTimeout = idleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.webSocketMaxFrameBytes = webSocketMaxFrameBytes
        self.webSocketMaxMessageBytes = webSocketMaxMessageBytes
        self.webSocketPingInterval = webSocketPingInterval
        self.rateLimitBurst = rateLimitBurst
        self.rateLimitPerSecond = rateLimitPerSecond
    }
}
