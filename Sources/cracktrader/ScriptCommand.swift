import ArgumentParser
import PineScript

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader script check FILE.pine`: compiles a script and prints its diagnostics.
struct ScriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "Work with Pine Script files.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Compile a Pine v5/v6 script and print its errors and warnings (exit status 1 on errors)."
        )

        @Argument(help: "The .pine file.")
        var file: String

        func run() async throws {
            let source = try ScriptFile.read(file)
            do {
                let program = try PineProgram(source: source)
                for warning in program.warnings { printError(warning.rendered(source: source, fileName: file)) }
                let inputs = program.inputs.map { "\($0.title) (\($0.kind.rawValue), default \($0.defaultValue))" }
                writeLine("ok: \(file): Pine v\(program.version) \(program.declaration.kind.rawValue) \"\(program.declaration.title)\""
                          + (inputs.isEmpty ? "" : "; inputs: " + inputs.joined(separator: ", ")), to: STDOUT_FILENO)
            } catch {
                printError(error.rendered(source: source, fileName: file))
                let count = error.diagnostics.filter { $0.severity == .error }.count
                printError("\(count) error\(count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
        }
    }
}
