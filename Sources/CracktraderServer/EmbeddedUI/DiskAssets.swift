#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import WebMediaTypes

/// Reads dashboard files from a folder for `--web-ui-dir`. Files are read on every request so an
/// edit shows on reload; they are not compressed, and the ETag is weak (size and modification time).
enum DiskAssets {
    static func load(root: String, relativePath: String) -> WebAsset? {
        let segments = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        // No traversal, no hidden files, no Swift sources of the assets target.
        guard !segments.contains(where: { $0.isEmpty || $0.hasPrefix(".") }), !relativePath.hasSuffix(".swift") else {
            return nil
        }
        let fullPath = root + "/" + relativePath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: fullPath),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let data = FileManager.default.contents(atPath: fullPath)
        else { return nil }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return WebAsset(
            path: relativePath, contentType: MediaTypes.contentType(forPath: relativePath),
            entityTag: "W/\"\(data.count)-\(Int64(modified * 1000))\"",
            gzipBytes: nil, identityBytes: ByteBuffer(bytes: data))
    }
}
