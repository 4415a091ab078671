import PineScript
import Storage
import TradingCore

/// A Pine Script strategy a sweep runs instead of a built-in (`"script": "strategy.pine"`): its
/// source, read once when the config is parsed (cells compile it, never re-read the file), its
/// SHA-256 (the strategy version in every cell id), its declaration and its inputs.
public struct SweepScript: Sendable, Hashable {
    /// Where the source was read from, resolved like `data`; names the file in diagnostics.
    public let path: String
    public let source: String
    /// Lowercase hex SHA-256 of the source's UTF-8 bytes.
    public let sha256: String
    /// The `strategy("Title")` of the script.
    public let title: String
    /// The `strategy(initial_capital=)` (TradingView's default when the script does not set it).
    public let initialCapital: Double
    /// The script's `input*()` calls, in declaration order, with their defaults.
    public let inputs: [PineInputSpec]

    /// Compiles `source` with its default inputs. The message of the error thrown is the first
    /// compile error as `path:line:column: message`, or says the script is an indicator (only a
    /// `strategy()` script trades).
    public init(path: String, source: String) throws(SweepScriptError) {
        let program: PineProgram
        do {
            program = try PineProgram(source: source)
        } catch {
            let errors = error.diagnostics.filter { $0.severity == .error }
            guard let first = errors.first ?? error.diagnostics.first else { throw SweepScriptError(message: "does not compile") }
            let more = errors.count > 1 ? " (and \(errors.count - 1) more error\(errors.count > 2 ? "s" : ""); `cracktrader script check \(path)` lists them)" : ""
            throw SweepScriptError(message: "does not compile: \(path):\(first.line):\(first.column): \(first.message)\(more)")
        }
        guard program.declaration.kind == .strategy else {
            throw SweepScriptError(message: "\(path) is an \(program.declaration.kind.rawValue)() script; only a strategy() script trades, so only one can be swept")
        }
        self.path = path
        self.source = source
        sha256 = SHA256Digest.hex(source)
        title = program.declaration.title
        initialCapital = program.declaration.properties.initialCapital
        inputs = program.inputs
    }

    /// The input a parameter names: by the variable it is assigned to or by its title, the rule
    /// of `cracktrader backtest --script F --input NAME=VALUE` (the variable wins a tie).
    public func input(named name: String) -> PineInputSpec? {
        inputs.first { $0.variable == name } ?? inputs.first { $0.title == name }
    }

    /// The inputs as `Title / variable`, for error messages (the compiler's wording).
    public var inputList: String {
        let names = inputs.map { input in input.variable.map { "\(input.title) / \($0)" } ?? input.title }
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    /// The compiler's objection to `value` for the input `name` (type, minval, maxval, options),
    /// or nil when the script compiles with it.
    public func problem(input name: String, value: ParameterValue) -> String? {
        do {
            _ = try PineProgram(source: source, inputs: [name: Self.text(value)])
            return nil
        } catch {
            return error.diagnostics.first { $0.severity == .error }?.message ?? "the script does not compile with \(Self.text(value))"
        }
    }

    /// A parameter point as `--input` overrides.
    public func overrides(_ parameters: [String: ParameterValue]) -> [String: String] {
        parameters.mapValues(Self.text)
    }

    /// A value as an `--input` text (numbers in Pine's own spelling, as the server writes them).
    public static func text(_ value: ParameterValue) -> String {
        switch value {
        case .int(let number): String(number)
        case .float(let number): PineNumberText.text(number)
        case .bool(let flag): flag ? "true" : "false"
        case .string(let text): text
        }
    }
}

/// Why a script cannot be swept (the config parser names the `script` field and its line).
public struct SweepScriptError: Error, Sendable {
    public let message: String
}
