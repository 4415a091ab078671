#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension BacktestReport {
    /// UTF-8 JSON with sorted keys (and unescaped slashes), so equal reports give byte-identical
    /// output. Numbers are never NaN/∞ (such values are written as `null`).
    public func jsonData(pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self))
        } catch {
            // Unreachable in practice: every field is finite or null.
            return Array(#"{"error":"report encoding failed","status":"failed"}"#.utf8)
        }
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
