import CracktraderServer
import Crypto
import Foundation
import Testing
import WebUIAssets

@Suite("Embedded assets")
struct EmbeddedAssetsTests {
    /// Every file in WebUI/ except the assets target's own Swift source and hidden files.
    func filesOnDisk() throws -> [String] {
        let root = URL(fileURLWithPath: webUIDirectory)
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw TestFailure("cannot list \(webUIDirectory)") }
        var paths: [String] = []
        for case let url as URL in enumerator where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            if !relative.hasSuffix(".swift") { paths.append(relative) }
        }
        return paths.sorted()
    }

    @Test("the embedded set is exactly the files in WebUI/")
    func sameFileSet() throws {
        #expect(EmbeddedAssetCatalog.entries.map(\.path) == (try filesOnDisk()))
        #expect(!EmbeddedAssetCatalog.entries.isEmpty)
    }

    @Test("every embedded file inflates byte-exact to its WebUI/ file, with its size and SHA-256 ETag")
    func roundTrip() throws {
        for entry in EmbeddedAssetCatalog.entries {
            let original = try Data(contentsOf: URL(fileURLWithPath: webUIDirectory + "/" + entry.path))
            let gzip = try #require(Data(base64Encoded: entry.gzipBase64), "\(entry.path) is not base64")
            #expect(gzip.prefix(2) == Data([0x1f, 0x8b]), "\(entry.path) is not a gzip member")
            let inflated = try Gzip.inflate([UInt8](gzip), expectedSize: entry.uncompressedSize)
            #expect(Data(inflated) == original, "\(entry.path) differs from WebUI/\(entry.path)")
            #expect(entry.uncompressedSize == original.count)
            let digest = SHA256.hash(data: original).map { String(format: "%02x", $0) }.joined()
            #expect(entry.entityTag == "\"sha256-\(digest)\"")
        }
    }

    @Test("content types carry a charset for text")
    func contentTypes() {
        for entry in EmbeddedAssetCatalog.entries {
            if entry.path.hasSuffix(".html") { #expect(entry.contentType == "text/html; charset=utf-8") }
            if entry.path.hasSuffix(".js") { #expect(entry.contentType == "text/javascript; charset=utf-8") }
            if entry.path.hasSuffix(".css") { #expect(entry.contentType == "text/css; charset=utf-8") }
        }
    }

    @Test("inflate rejects corrupt data and a wrong size")
    func inflateErrors() throws {
        let entry = try #require(EmbeddedAssetCatalog.entries.first)
        let gzip = [UInt8](Data(base64Encoded: entry.gzipBase64)!)
        #expect(throws: Gzip.InflateError.self) { try Gzip.inflate(gzip, expectedSize: entry.uncompressedSize + 1) }
        var corrupt = gzip
        corrupt[corrupt.count / 2] ^= 0xff
        #expect(throws: Gzip.InflateError.self) { try Gzip.inflate(corrupt, expectedSize: entry.uncompressedSize) }
    }
}
