#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension BacktestReport {
    /// UTF-8 JSON with sorted keys (and unescaped slashes), so equal reports give byte-identical
    /// output. Numbers are never NaN/∞ (such values are written as `null`).
    /// Written by `jsonMembers(pretty:)` (the same bytes as `JSONEncoder` with those options, faster).
    public func jsonData(pretty: Bool = false) -> [UInt8] {
        Self.jsonObject(jsonMembers(pretty: pretty), pretty: pretty)
    }

    /// Decodes a document written by `jsonData(pretty:)`.
    public static func decode(json bytes: [UInt8]) throws -> BacktestReport {
        try JSONDecoder().decode(BacktestReport.self, from: Data(bytes))
    }
}

extension BacktestConfiguration {
    /// Canonical JSON (sorted keys) of the configuration, used for run ids.
    public func canonicalJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? []
    }
}
