#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import WebUIAssets

/// Where `/ui` gets its files: the bytes compiled into the binary, or a folder on disk while
/// developing the dashboard (`--web-ui-dir`).
enum AssetStore: Sendable {
    case embedded([String: WebAsset])
    case directory(String)

    /// Decodes and inflates every embedded file once. A corrupt embedding fails start-up loudly
    /// instead of serving broken pages.
    static func embedded() throws -> AssetStore {
        var assets: [String: WebAsset] = [:]
        for source in EmbeddedAssetCatalog.entries {
            guard let gzip = Data(base64Encoded: source.gzipBase64) else {
                throw ConfigurationError("embedded asset \(source.path) is not valid base64")
            }
            let gzipBytes = [UInt8](gzip)
            let identity = try Gzip.inflate(gzipBytes, expectedSize: source.uncompressedSize)
            assets[source.path] = WebAsset(
                path: source.path, contentType: source.contentType, entityTag: source.entityTag,
                gzipBytes: ByteBuffer(bytes: gzipBytes), identityBytes: ByteBuffer(bytes: identity))
        }
        return .embedded(assets)
    }

    /// The file for a path relative to the UI root (`""` is `index.html`), or nil.
    func asset(at relativePath: String) -> WebAsset? {
        let path = relativePath.isEmpty ? "index.html" : relativePath
        switch self {
        case .embedded(let assets):
            return assets[path]
        case .directory(let root):
            return DiskAssets.load(root: root, relativePath: path)
        }
    }
}
