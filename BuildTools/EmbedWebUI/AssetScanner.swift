import Foundation
import WebMediaTypes

/// One file found under the assets folder, ready to be written out.
struct ScannedAsset {
    /// Path relative to the assets folder, with `/` separators (e.g. `charts/candles.js`).
    var relativePath: String
    var contentType: String
    var uncompressedSize: Int
    var entityTag: String
    var gzipBytes: [UInt8]
}

enum AssetScanner {
    /// Walks `directory` recursively in sorted order (so output is reproducible) and gzips each file.
    /// Swift sources belong to the assets target itself and hidden files are editor noise; both are skipped.
    static func files(in directory: URL) throws -> [ScannedAsset] {
        let root = directory.standardizedFileURL.path(percentEncoded: false)
        let rootPrefix = root.hasSuffix("/") ? root : root + "/"
        guard let enumerator = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            throw ScanError("cannot read \(root)")
        }
        var assets: [ScannedAsset] = []
        for case let url as URL in enumerator {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let fullPath = url.standardizedFileURL.path(percentEncoded: false)
            guard fullPath.hasPrefix(rootPrefix) else { continue }
            let relativePath = String(fullPath.dropFirst(rootPrefix.count))
            if relativePath.hasSuffix(".swift") { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            assets.append(
                ScannedAsset(
                    relativePath: relativePath,
                    contentType: MediaTypes.contentType(forPath: relativePath),
                    uncompressedSize: bytes.count,
                    entityTag: EntityTag.strong(for: bytes),
                    gzipBytes: try Gzip.compress(bytes)))
        }
        return assets.sorted { $0.relativePath < $1.relativePath }
    }
}

struct ScanError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
