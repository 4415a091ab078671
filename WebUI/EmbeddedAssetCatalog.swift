/// The dashboard files embedded into the binary at build time.
///
/// This is the only Swift source in `WebUI/`: the target's folder is the dashboard itself, so that
/// SwiftPM notices every edit, addition and removal there and re-runs `EmbedWebUIPlugin`, which
/// generates `generatedEntries` (never committed).
public enum EmbeddedAssetCatalog {
    /// All embedded files, sorted by path.
    public static var entries: [EmbeddedAssetSource] { generatedEntries }

    /// The git commit the binary was built from, or nil when the build had no repository.
    public static var buildCommit: String? { generatedBuildCommit }
}

/// One embedded file as the build tool wrote it.
public struct EmbeddedAssetSource: Sendable {
    /// Path relative to `WebUI/`, e.g. `index.html` or `charts/equity.js`.
    public let path: String
    /// MIME type, with `charset=utf-8` for text.
    public let contentType: String
    /// Size of the file before compression.
    public let uncompressedSize: Int
    /// Strong ETag, the quoted SHA-256 of the uncompressed bytes.
    public let entityTag: String
    /// The gzip member, base64 encoded: it compiles in milliseconds where a byte-array literal takes minutes.
    public let gzipBase64: String
}
