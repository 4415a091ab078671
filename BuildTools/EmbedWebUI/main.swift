import Foundation

/// Build-time tool: gzips every file under a folder and writes a Swift source file that embeds them.
///
/// Usage: `EmbedWebUI <assets-directory> <output.swift> [<git-directory>]`
///
/// Each file becomes an `EmbeddedAsset` holding its path, content type, uncompressed size, a strong
/// SHA-256 ETag and its gzip bytes as a base64 string literal. A base64 literal compiles in well
/// under a second even at several megabytes, where a `[UInt8]` literal of the same size takes minutes.
let arguments = CommandLine.arguments
guard arguments.count == 3 || arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: EmbedWebUI <assets-directory> <output.swift> [<git-directory>]\n".utf8))
    exit(2)
}

do {
    let directory = URL(filePath: arguments[1], directoryHint: .isDirectory)
    let files = try AssetScanner.files(in: directory)
    let commit = arguments.count == 4 ? GitCommit.read(gitDirectory: URL(filePath: arguments[3], directoryHint: .isDirectory)) : nil
    let source = try SwiftSourceWriter.source(for: files, buildCommit: commit)
    let outputURL = URL(filePath: arguments[2])
    // Only rewrite when the content changed, so an unchanged UI does not recompile the module.
    if (try? Data(contentsOf: outputURL)) != Data(source.utf8) {
        try Data(source.utf8).write(to: outputURL, options: .atomic)
    }
} catch {
    FileHandle.standardError.write(Data("EmbedWebUI: error: \(error)\n".utf8))
    exit(1)
}
