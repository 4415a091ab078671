/// How to reach one venue for one run: which environment, which host, which keys, how fast.
public struct VenueConfiguration: Sendable {
    public var credentials: VenueCredentials
    /// True: the venue's testnet / demo environment.
    public var sandbox: Bool
    /// Another host (`https://…` or `http://127.0.0.1:port` in tests); nil = the environment's default.
    public var baseURL: String?
    /// Another host for the venue's WebSocket (`ws://…`/`wss://…`); nil = derived from the environment
    /// (or from `baseURL`, with the scheme swapped, when that is set).
    public var webSocketURL: String?
    /// Minimum milliseconds between two requests (ccxt's `rateLimit`); applied when
    /// `enableRateLimit` is true (the default).
    public var rateLimitMilliseconds: Double?
    public var enableRateLimit: Bool
    /// Binance `recvWindow` and the like: how stale a signed request may be, in milliseconds.
    public var receiveWindowMilliseconds: Int64
    /// Seconds a single request may take before its outcome is treated as unknown.
    public var requestTimeoutSeconds: Double

    public init(
        credentials: VenueCredentials = .none, sandbox: Bool = false, baseURL: String? = nil, webSocketURL: String? = nil,
        rateLimitMilliseconds: Double? = nil, enableRateLimit: Bool = true, receiveWindowMilliseconds: Int64 = 5000,
        requestTimeoutSeconds: Double = 10
    ) {
        self.credentials = credentials
        self.sandbox = sandbox
        self.baseURL = baseURL
        self.webSocketURL = webSocketURL
        self.rateLimitMilliseconds = rateLimitMilliseconds
        self.enableRateLimit = enableRateLimit
        self.receiveWindowMilliseconds = receiveWindowMilliseconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }
}
