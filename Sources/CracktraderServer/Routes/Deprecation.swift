#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A route's deprecation notice. Declared once on the route; the edge then sends `Deprecation`
/// (RFC 9745), `Sunset` (RFC 8594) and `Link` (RFC 8288) on its every response, and `/meta` lists it.
public struct Deprecation: Sendable, Hashable {
    /// When the deprecation was announced (`deprecated_since`).
    public var announced: Date
    /// When the route goes away. At least `minimumNotice` after `announced`.
    public var sunset: Date
    /// Human-readable migration notes.
    public var link: String
    /// The route to use instead, e.g. `GET /api/v2/status`.
    public var replacement: String?

    /// The contract's minimum window between announcement and removal.
    public static let minimumNotice: Duration = .seconds(90 * 86_400)

    public init(announced: Date, sunset: Date, link: String, replacement: String? = nil) {
        self.announced = announced
        self.sunset = sunset
        self.link = link
        self.replacement = replacement
    }

    /// Rejects a notice shorter than 90 days; called at start-up so a bad notice never ships.
    func validate(for route: String) throws(ConfigurationError) {
        let notice = sunset.timeIntervalSince(announced)
        if notice < 90 * 86_400 {
            throw ConfigurationError(
                "deprecation of \(route) gives \(Int(notice / 86_400)) days of notice; the v1 contract requires at least 90 days between announcement and sunset")
        }
    }

    /// `Deprecation: @<unix seconds>` (an RFC 9651 Date item).
    var deprecationHeader: String { "@\(Int64(announced.timeIntervalSince1970.rounded(.down)))" }
    /// `Sunset: <IMF-fixdate>`.
    var sunsetHeader: String { HTTPDate.imfFixdate(epochSeconds: Int64(sunset.timeIntervalSince1970.rounded(.down))) }
    /// `Link: <...>; rel="deprecation"` plus the successor when one is named by URL path.
    var linkHeader: String {
        var value = "<\(link)>; rel=\"deprecation\"; type=\"text/html\""
        if let replacement, let path = replacement.split(separator: " ").last, path.hasPrefix("/") {
            value += ", <\(path)>; rel=\"successor-version\""
        }
        return value
    }
}

/// A start-up configuration problem, reported in one line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
