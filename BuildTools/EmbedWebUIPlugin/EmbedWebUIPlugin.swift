import Foundation
import PackagePlugin

/// Runs `EmbedWebUI` over the target's folder (`WebUI/`) and adds the generated Swift source to it.
///
/// The plugin is applied to the target whose path *is* `WebUI/`, so SwiftPM re-plans the build when any
/// file in that folder is edited, added or removed, and the command's input list stays exact.
@main
struct EmbedWebUIPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let sourceModule = target as? SourceModuleTarget else { return [] }
        let assetsDirectory = sourceModule.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets+Generated.swift")
        // Every file in the folder is an input (Swift sources included, so renames are noticed);
        // the tool itself skips the target's own `.swift` files.
        var inputs = sourceModule.sourceFiles.map(\.url)
        // The commit is embedded for `/api/v1/meta`; the files that name it are inputs, so a new
        // commit regenerates the source. Without a repository (a source tarball) it is simply unknown.
        let gitDirectory = context.package.directoryURL.appending(path: ".git")
        var arguments = [assetsDirectory.path(percentEncoded: false), output.path(percentEncoded: false)]
        if let headFiles = GitHead.files(in: gitDirectory) {
            inputs += headFiles
            arguments.append(gitDirectory.path(percentEncoded: false))
        }
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) WebUI files",
                executable: try context.tool(named: "EmbedWebUI").url,
                arguments: arguments,
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}

/// The files whose content decides the current commit: `HEAD` and the branch ref it points to.
enum GitHead {
    static func files(in gitDirectory: URL) -> [URL]? {
        let head = gitDirectory.appending(path: "HEAD")
        guard let text = try? String(contentsOf: head, encoding: .utf8) else { return nil }
        var files = [head]
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("ref: ") {
            let ref = gitDirectory.appending(path: String(trimmed.dropFirst(5)))
            if FileManager.default.fileExists(atPath: ref.path(percentEncoded: false)) { files.append(ref) }
            let packed = gitDirectory.appending(path: "packed-refs")
            if FileManager.default.fileExists(atPath: packed.path(percentEncoded: false)) { files.append(packed) }
        }
        return files
    }
}
