import NIOCore

/// A dashboard file ready to serve: both encodings held in memory, decoded once at start-up.
struct WebAsset: Sendable {
    let path: String
    let contentType: String
    let entityTag: String
    /// Nil in `--web-ui-dir` mode, where files are served as they are on disk.
    let gzipBytes: ByteBuffer?
    let identityBytes: ByteBuffer

    var isHTML: Bool { contentType.hasPrefix("text/html") }

    /// `no-cache` makes browsers revalidate HTML (cheap, thanks to the ETag) so a new binary's page
    /// is picked up at once; scripts, styles and images are cached for a day.
    var cacheControl: String { isHTML ? "no-cache" : "public, max-age=86400" }
}
