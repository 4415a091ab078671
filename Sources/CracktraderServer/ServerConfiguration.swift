import Logging

/// Everything `buildApplication(configuration:)` needs. Tests build one in memory with a temporary
/// data directory; the `serve` command builds one from flags and the environment.
public struct ServerConfiguration: Sendable {
    /// Interface to bind. Loopback by default; any other address needs `authenticator` (or
    /// `allowsRemoteAccessWithoutAuth`), see `validateExposure()`.
    public var host: String
    /// TCP port; 0 asks the system for a free one (tests).
    public var port: Int
    /// Folder for the database and other state. Created at start-up when missing.
    public var dataDirectory: String
    /// Serve the dashboard from this folder instead of the embedded bytes (UI development).
    public var webUIDirectory: String?
    /// Extra `Host` values accepted besides loopback names on the bound port (`name` or `name:port`).
    public var allowedHosts: [String]
    /// The one cross-origin site allowed to call the API; no CORS headers are sent without it.
    public var corsOrigin: String?
    public var logLevel: Logger.Level
    /// Routes added by the embedder (tests use this to prove deprecation handling).
    public var additionalRoutes: [RouteRegistration]
    /// Run defaults: paper speed, the clock, data sources (see `RunnerOptions`).
    public var runner: RunnerOptions
    /// Makes the server's log handler; nil uses the process-wide `LoggingSystem` (tests capture
    /// the log with their own to prove no secret reaches it).
    public var logHandlerFactory: (@Sendable (String) -> any LogHandler)?
    /// Connection, timeout, header, WebSocket and rate limits (see `ServerLimits`).
    public var limits = ServerLimits()
    /// The auth token and sessions (`--auth-token`); nil serves everyone who passes the Host and
    /// Origin rules, which is safe on loopback only.
    public var authenticator: Authenticator?
    /// Bind a non-loopback address without a token (`--insecure-no-auth`): for a network where
    /// an authenticating proxy is the only way in.
    public var allowsRemoteAccessWithoutAuth = false

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./cracktrader-data",
        webUIDirectory: String? = nil,
        allowedHosts: [String] = [],
        corsOrigin: String? = nil,
        logLevel: Logger.Level = .info,
        additionalRoutes: [RouteRegistration] = [],
        runner: RunnerOptions = RunnerOptions()
    ) {
        self.runner = runner
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.webUIDirectory = webUIDirectory
        self.allowedHosts = allowedHosts
        self.corsOrigin = corsOrigin
        self.logLevel = logLevel
        self.additionalRoutes = additionalRoutes
    }

    /// True when `host` only accepts connections from this machine.
    public var bindsLoopbackOnly: Bool {
        HostPolicy.isLoopbackName(host)
    }

    /// Refuses a configuration that lets other machines in without a token: a non-loopback
    /// `host` needs `authenticator`, or `allowsRemoteAccessWithoutAuth` said out loud.
    /// `buildApplication` calls it first, so no embedder can skip it.
    public func validateExposure() throws(ConfigurationError) {
        guard !bindsLoopbackOnly, authenticator == nil, !allowsRemoteAccessWithoutAuth else { return }
        throw ConfigurationError(
            "refusing to serve \(host) without authentication: other machines could start and stop runs. "
                + "Set a token (--auth-token-file PATH, CRACKTRADER_AUTH_TOKEN or --auth-token), bind 127.0.0.1 "
                + "and use an SSH tunnel, or pass --insecure-no-auth if an authenticating proxy is the only way in")
    }
}

/// Version facts reported by `/api/v1/meta`.
public enum CracktraderVersion {
    public static let apiVersion = "v1"
    public static let serverVersion = "0.1.0"
}
