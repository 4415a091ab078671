/// API credentials for one run, in memory only. Not `Codable`; `description`, `debugDescription`
/// and the mirror show which fields are set, never a value, so interpolation, `dump` or a logger
/// cannot print a key by accident.
public struct VenueCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let apiKey: String?
    public let secret: String?
    /// The passphrase (OKX; Coinbase legacy keys).
    public let password: String?

    public static let none = VenueCredentials(apiKey: nil, secret: nil, password: nil)

    public init(apiKey: String?, secret: String?, password: String?) {
        self.apiKey = apiKey
        self.secret = secret
        self.password = password
    }

    /// The names of the fields present (`apiKey`, `secret`, `password`).
    public var presentFields: [String] {
        [("apiKey", apiKey), ("secret", secret), ("password", password)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    public var description: String {
        "VenueCredentials(\(presentFields.map { "\($0): ***" }.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["fields": presentFields], displayStyle: .struct) }

    /// The key and secret, or an `authenticationFailed` error naming what is missing (never a value).
    public func require(_ fields: KeyPath<VenueCredentials, String?>..., venue: String) throws(ExecutionError) {
        let names: [KeyPath<VenueCredentials, String?>: String] = [\.apiKey: "apiKey", \.secret: "secret", \.password: "password"]
        let missing = fields.filter { self[keyPath: $0] == nil }.compactMap { names[$0] }
        if !missing.isEmpty {
            throw ExecutionError(.authenticationFailed, "\(venue): missing credentials: \(missing.joined(separator: ", "))")
        }
    }
}
