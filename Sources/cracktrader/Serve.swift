import ArgumentParser
import AsyncHTTPClient
import CracktraderServer
import DataAccess
import ExchangeHistory
import Hummingbird
import Logging
import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cracktrader serve`: the dashboard, the v1 JSON API and the WebSocket, from one binary.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the dashboard (/ui), the v1 JSON API and the live WebSocket.",
        discussion: """
            Flags win over the environment variables CRACKTRADER_API_HOST, CRACKTRADER_API_PORT, \
            CRACKTRADER_LOG_LEVEL and CRACKTRADER_AUTH_TOKEN. Without a token the server trusts every \
            local client and refuses to bind a non-loopback address; with one (--auth-token-file, \
            CRACKTRADER_AUTH_TOKEN or --auth-token) every request needs Authorization: Bearer <token> \
            or the session cookie set by the one-time login URL printed at start. See \
            docs/operations.md, "Security".
            """
    )

    @Option(help: "Interface to bind (env CRACKTRADER_API_HOST). [default: 127.0.0.1]")
    var host: String?

    @Option(help: "TCP port (env CRACKTRADER_API_PORT). [default: 8080]")
    var port: Int?

    @Option(help: "Folder for the database and state. [default: ./cracktrader-data]")
    var dataDir: String = "./cracktrader-data"

    @Option(help: "trace, debug, info, notice, warning, error or critical (env CRACKTRADER_LOG_LEVEL). [default: info]")
    var logLevel: String?

    @Option(help: "Serve the dashboard from this folder instead of the embedded copy (UI development).")
    var webUiDir: String?

    @Option(help: "Also accept this Host (name or name:port); repeatable. Needed when binding a non-loopback address.")
    var allowedHost: [String] = []

    @Option(help: "Allow cross-origin calls from this origin (e.g. https://tools.example); no CORS headers otherwise.")
    var corsOrigin: String?

    @Option(help: "Paper runs on sim: market time runs this many times faster than the wall clock (60: a 1m bar per second).")
    var paperSpeed: Double = 60

    @Flag(help: "Never download candles from venues; serve only sim and stored data (air-gapped use).")
    var offline = false

    @Option(help: "A venue's REST base URL, as exchange=URL (proxies, regional endpoints); repeatable.")
    var exchangeBaseUrl: [String] = []

    @Option(help: "Most concurrent connections; the excess is closed at accept. [default: 512]")
    var maxConnections: Int = ServerLimits().maxConnections

    @Option(help: "Seconds from a request's first byte to the end of its head (slow heads get 408 and are closed). [default: 10]")
    var requestHeadTimeout: Double = 10

    @Option(help: "Seconds from the end of a request head to the end of its body. [default: 30]")
    var requestBodyTimeout: Double = 30

    @Option(help: "Seconds a keep-alive connection may sit idle before it is closed. [default: 60]")
    var idleTimeout: Double = 60

    @Option(help: "State-changing requests (POST, PUT, PATCH, DELETE) one client address may make at once; 0 turns the rate limit off. [default: 30]")
    var rateLimitBurst: Int = ServerLimits().rateLimitBurst

    @Option(help: "Rate-limit tokens refilled per second and client address. [default: 10]")
    var rateLimitPerSecond: Double = ServerLimits().rateLimitPerSecond

    @Option(help: "Require this token (Authorization: Bearer, or the sign-in page). Visible in ps: prefer --auth-token-file or CRACKTRADER_AUTH_TOKEN.")
    var authToken: String?

    @Option(help: "Read the auth token from this file (trailing newline ignored; must not be world-readable: chmod 600).")
    var authTokenFile: String?

    @Flag(help: "Mark the session cookie Secure: browsers reach the server over HTTPS through a TLS-terminating proxy.")
    var secureCookies = false

    @Flag(help: "Allow a non-loopback --host without a token (only when an authenticating proxy is the only way in).")
    var insecureNoAuth = false

    func run() async throws {
        let environment = ProcessEnvironment()
        let resolvedHost = host ?? environment["CRACKTRADER_API_HOST"] ?? "127.0.0.1"
        let resolvedPort = try port ?? environment["CRACKTRADER_API_PORT"].map(Self.parsePort) ?? 8080
        let levelText = logLevel ?? environment["CRACKTRADER_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level '\(levelText)'; use trace, debug, info, notice, warning, error or critical")
        }
        guard (0...65535).contains(resolvedPort) else {
            throw ValidationError("port \(resolvedPort) is out of range 0–65535")
        }
        for entry in exchangeBaseUrl {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, VenueID(id: String(parts[0])) != nil, parts[1].hasPrefix("http") else {
                throw ValidationError("--exchange-base-url '\(entry)' must look like binance=https://host (venues: \(VenueID.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        guard paperSpeed > 0, paperSpeed <= 100_000 else {
            throw ValidationError("--paper-speed must be above 0 and at most 100000")
        }
        let limits = try serverLimits()
        let authenticator = try makeAuthenticator(environment: environment)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }

        var settings = ServerConfiguration(
            host: resolvedHost, port: resolvedPort, dataDirectory: dataDir, webUIDirectory: webUiDir,
            allowedHosts: allowedHost, corsOrigin: corsOrigin, logLevel: level, additionalRoutes: [],
            runner: runnerOptions())
        settings.limits = limits
        settings.authenticator = authenticator
        settings.allowsRemoteAccessWithoutAuth = insecureNoAuth
        let configuration = settings
        do {
            try configuration.validateExposure()
        } catch {
            printError("error: \(error.description)")
            throw ExitCode(1)
        }
        if !configuration.bindsLoopbackOnly && authenticator == nil {
            printError("""
                WARNING: binding \(resolvedHost) with --insecure-no-auth: anyone who can connect can start and stop \
                runs. Only do this when an authenticating proxy is the only way in.
                """)
        }
        do {
            let app = try await buildApplication(configuration: configuration) { port in
                let displayHost = configuration.bindsLoopbackOnly || HostPolicy.isWildcardAddress(resolvedHost)
                    ? "127.0.0.1" : (resolvedHost.contains(":") ? "[\(resolvedHost)]" : resolvedHost)
                writeLine("Cracktrader \(CracktraderVersion.serverVersion) is running. Dashboard: http://\(displayHost):\(port)/ui", to: STDOUT_FILENO)
                if let authenticator {
                    // Like Jupyter's token URL, but the code works once: the token itself is never printed.
                    let path = "/ui/login?code=\(authenticator.issueLoginCode())"
                    writeLine("Sign in (the link works once): http://\(displayHost):\(port)\(path)", to: STDOUT_FILENO)
                }
            }
            try await app.runService()
        } catch let error where StartupError.isAddressInUse(error) {
            printError("error: cannot listen on \(resolvedHost):\(resolvedPort): the address is already in use (is another Cracktrader running?)")
            throw ExitCode(1)
        } catch let error as ConfigurationError {
            printError("error: \(error.description)")
            throw ExitCode(1)
        } catch let error as StorageError {
            // A damaged or unwritable database: one clear line (it names the file and what to do).
            printError("error: \(error.description)")
            throw ExitCode(1)
        }
        writeLine("Cracktrader stopped.", to: STDOUT_FILENO)
    }

    /// The connection, timeout and rate limits from the flags.
    func serverLimits() throws -> ServerLimits {
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        func seconds(_ value: Double, _ flag: String) throws -> Duration {
            guard value > 0, value <= 86_400 else { throw ValidationError("--\(flag) must be above 0 and at most 86400 seconds") }
            return .milliseconds(Int64((value * 1000).rounded()))
        }
        guard rateLimitBurst >= 0 else { throw ValidationError("--rate-limit-burst must be 0 (off) or more") }
        guard rateLimitPerSecond >= 0 else { throw ValidationError("--rate-limit-per-second must be 0 or more") }
        var limits = ServerLimits()
        limits.maxConnections = maxConnections
        limits.requestHeadTimeout = try seconds(requestHeadTimeout, "request-head-timeout")
        limits.requestBodyTimeout = try seconds(requestBodyTimeout, "request-body-timeout")
        limits.idleTimeout = try seconds(idleTimeout, "idle-timeout")
        limits.rateLimitBurst = rateLimitBurst
        limits.rateLimitPerSecond = rateLimitPerSecond
        return limits
    }

    /// The token from `--auth-token`, `--auth-token-file` or `CRACKTRADER_AUTH_TOKEN` (in that
    /// order; the two flags together are refused), or nil for no authentication.
    func makeAuthenticator(environment: ProcessEnvironment) throws -> Authenticator? {
        if authToken != nil && authTokenFile != nil {
            throw ValidationError("give the token once: --auth-token or --auth-token-file, not both")
        }
        let token: String?
        let source: String
        if let authToken {
            (token, source) = (authToken, "--auth-token")
        } else if let authTokenFile {
            (token, source) = (try Self.configurationValue { () throws(ConfigurationError) in try AuthTokenFile.read(path: authTokenFile) }, "--auth-token-file")
        } else {
            (token, source) = (environment["CRACKTRADER_AUTH_TOKEN"], "CRACKTRADER_AUTH_TOKEN")
        }
        guard let token else {
            if secureCookies { throw ValidationError("--secure-cookies needs a token (--auth-token-file, CRACKTRADER_AUTH_TOKEN or --auth-token)") }
            return nil
        }
        if insecureNoAuth {
            throw ValidationError("--insecure-no-auth contradicts the token from \(source); drop one of them")
        }
        do {
            return try Authenticator(token: token, secureCookies: secureCookies)
        } catch {
            throw ValidationError("\(source): \(error.description)")
        }
    }

    /// Turns a `ConfigurationError` into ArgumentParser's one-line usage error (exit 64).
    static func configurationValue<T>(_ body: () throws(ConfigurationError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Paper speed, and venue downloads for backtests unless `--offline`.
    func runnerOptions() -> RunnerOptions {
        var options = RunnerOptions(paperSpeed: paperSpeed)
        if !offline {
            let client = HTTPClient.shared
            var baseURLs: [String: String] = [:]
            for entry in exchangeBaseUrl {
                let parts = entry.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { baseURLs[String(parts[0]).lowercased()] = String(parts[1]) }
            }
            let overrides = baseURLs
            options.makeDataResolver = { @Sendable (store: CandleStore) -> DataResolver in
                DataResolver(store: store, httpClient: client, baseURLs: overrides)
            }
        }
        return options
    }

    static func parsePort(_ text: String) throws -> Int {
        guard let port = Int(text) else {
            throw ValidationError("CRACKTRADER_API_PORT='\(text)' is not a port number")
        }
        return port
    }
}

/// Reads the process environment without Foundation.
struct ProcessEnvironment {
    subscript(name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

func printError(_ message: String) {
    writeLine(message, to: STDERR_FILENO)
}

/// Writes one unbuffered line, so a supervisor reading a pipe sees it at once.
func writeLine(_ message: String, to descriptor: Int32) {
    var bytes = Array((message + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { buffer in
            write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written <= 0 { return }
        offset += written
    }
}
