/// Which `Host` and `Origin` values the server answers: the defence against DNS rebinding and
/// cross-site requests for an unauthenticated local API.
///
/// Accepted hosts are loopback names and addresses (`localhost`, `127.0.0.0/8`, `::1`) on the bound
/// port (or with no port), the bound address itself when it is a specific interface, and every
/// `--allowed-host` entry (`name` matches on the bound port, `name:port` exactly).
public struct HostPolicy: Sendable {
    public let allowedHosts: [String]
    public let bindHost: String
    public let corsOrigin: String?

    public init(bindHost: String, allowedHosts: [String], corsOrigin: String?) {
        self.bindHost = bindHost.lowercased()
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.corsOrigin = corsOrigin.map(Self.normalizedOrigin)
    }

    /// True for `localhost`, `*.localhost`, `127.x.y.z` and `::1` (bracketed or not).
    public static func isLoopbackName(_ name: String) -> Bool {
        let host = name.lowercased().trimmingBrackets()
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1" {
            return true
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in UInt8(octet) != nil }
    }

    /// The addresses that bind every interface (IPv4's, IPv6's bare and bracketed).
    public static let wildcardAddresses: Set<String> = ["0.0.0.0", "::", "[::]"]

    /// True when binding `host` listens on every interface.
    public static func isWildcardAddress(_ host: String) -> Bool {
        wildcardAddresses.contains(host.lowercased())
    }

    /// Decides on the value of a `Host` header (or HTTP/2 `:authority`) given the port actually bound.
    public func allowsHost(_ value: String, boundPort: Int) -> Bool {
        guard let (name, port) = Self.split(authority: value.lowercased()) else { return false }
        let portMatches = port == nil || port == boundPort
        if Self.isLoopbackName(name) && portMatches { return true }
        if !Self.isWildcardAddress(bindHost) && name == bindHost.trimmingBrackets() && portMatches { return true }
        for entry in allowedHosts {
            guard let (allowedName, allowedPort) = Self.split(authority: entry) else { continue }
            if allowedName == name && (allowedPort.map { $0 == (port ?? 80) } ?? portMatches) { return true }
        }
        return false
    }

    /// An `Origin` is ours when its host passes the host rules, or it is the configured CORS origin.
    public func allowsOrigin(_ origin: String, boundPort: Int) -> Bool {
        let normalized = Self.normalizedOrigin(origin)
        if let corsOrigin, normalized == corsOrigin { return true }
        // Non-browser WebSocket clients (Hummingbird's WSClient among them) send `ws://host:port`;
        // browsers always send http(s). The authority rules are the same.
        for scheme in ["http://", "https://", "ws://", "wss://"] where normalized.hasPrefix(scheme) {
            let authority = String(normalized.dropFirst(scheme.count))
            guard !authority.contains("/") else { return false }
            return allowsHost(authority, boundPort: boundPort)
        }
        return false
    }

    static func normalizedOrigin(_ origin: String) -> String {
        var value = origin.lowercased()
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }

    /// Splits `name[:port]` and `[v6]:port`. Returns nil for anything malformed.
    static func split(authority: String) -> (String, Int?)? {
        guard !authority.isEmpty, !authority.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else { return nil }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let name = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            if rest.isEmpty { return (name, nil) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (0...65535).contains(port) else { return nil }
            return (name, port)
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (authority, nil)
        case 2:
            guard let port = Int(parts[1]), (0...65535).contains(port), !parts[0].isEmpty else { return nil }
            return (String(parts[0]), port)
        default:
            // A bare IPv6 address without brackets: only loopback is worth recognising.
            return (authority, nil)
        }
    }
}

extension String {
    fileprivate func trimmingBrackets() -> String {
        if hasPrefix("[") && hasSuffix("]") { return String(dropFirst().dropLast()) }
        return self
    }
}
