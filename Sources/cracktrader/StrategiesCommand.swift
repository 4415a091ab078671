import ArgumentParser
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

/// `cracktrader strategies`: the built-in strategies with their parameters.
struct StrategiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List the built-in strategies and their parameters (Pine scripts run with `backtest --script`)."
    )

    func run() async throws {
        var lines: [String] = []
        for descriptor in StrategyRegistry.descriptors {
            lines.append("\(descriptor.name) — \(descriptor.description)")
            for parameter in descriptor.parameters {
                var facts = [parameter.type.rawValue]
                if let value = parameter.defaultValue { facts.append("default \(Self.text(value))") }
                if let minimum = parameter.minimum, let maximum = parameter.maximum {
                    facts.append("\(Self.number(minimum))…\(Self.number(maximum))")
                }
                if let allowed = parameter.allowedValues { facts.append("one of " + allowed.joined(separator: ", ")) }
                lines.append("  --param \(parameter.name)=…  \(facts.joined(separator: ", ")): \(parameter.description)")
            }
            lines.append("")
        }
        lines.append("Pine scripts: cracktrader backtest --script FILE.pine [--input NAME=VALUE]… (check one with `cracktrader script check FILE.pine`)")
        writeLine(lines.joined(separator: "\n"), to: STDOUT_FILENO)
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    static func text(_ value: ParameterValue) -> String {
        switch value {
        case .int(let v): String(v)
        case .float(let v): number(v)
        case .bool(let v): v ? "true" : "false"
        case .string(let v): v
        }
    }
}
