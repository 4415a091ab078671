import PineScript
import Storage
import TradingCore

/// `GET /strategies` with saved scripts: the built-ins unchanged, then each script with its inputs
/// as parameters in the same shape, plus `kind: "script"`, the version, whether it compiles,
/// and per parameter the input's `title` and `step`.
enum ScriptCatalog {
    struct Parameter: Encodable, Sendable {
        let name: String
        let type: String
        @ExplicitNull var `default`: JSONValue?
        @ExplicitNull var min: Double?
        @ExplicitNull var max: Double?
        let description: String
        @ExplicitNull var choices: [String]?
        /// Script inputs only (absent for built-ins): the input's title and `step` (null without one).
        var title: String?
        var step: Double?

        enum CodingKeys: String, CodingKey { case name, type, `default`, min, max, description, choices, title, step }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(type, forKey: .type)
            try container.encode(_default, forKey: .default)
            try container.encode(_min, forKey: .min)
            try container.encode(_max, forKey: .max)
            try container.encode(description, forKey: .description)
            try container.encode(_choices, forKey: .choices)
            if let title {
                try container.encode(title, forKey: .title)
                try container.encode(step, forKey: .step)
            }
        }
    }

    struct Entry: Encodable, Sendable {
        let name: String
        let description: String
        let parameters: [Parameter]
        var kind: String?
        var version: Int?
        var compiles: Bool?
        var overlay: Bool?
        var can_short: Bool?
    }

    struct Document: Encodable, Sendable {
        let strategies: [Entry]
    }

    static func strategies(_ library: ScriptLibrary) async throws -> Document {
        var entries = StrategyRegistry.descriptors.map { descriptor in
            Entry(
                name: descriptor.name, description: descriptor.description,
                parameters: descriptor.parameters.map { spec in
                    Parameter(
                        name: spec.name, type: spec.type.rawValue, default: spec.defaultValue.map(RunPlanner.json),
                        min: spec.minimum, max: spec.maximum, description: spec.description, choices: spec.allowedValues)
                })
        }
        for info in try await library.store.list() {
            guard let record = try await library.store.script(named: info.name) else { continue }
            let analysis = library.analyse(record.source)
            let what = analysis.kind.map { "Pine \($0)" } ?? "Pine script (does not compile)"
            let description = analysis.title.map { "\(what) \"\($0)\" (saved script, version \(info.version))" } ?? "\(what) (saved script, version \(info.version))"
            entries.append(Entry(
                name: info.name, description: description,
                parameters: analysis.parameters.map { parameter in
                    let spec = parameter.spec
                    return Parameter(
                        name: spec.name, type: spec.type.rawValue, default: spec.defaultValue.map(RunPlanner.json), min: spec.minimum,
                        max: spec.maximum, description: spec.description, choices: spec.allowedValues, title: parameter.input.title,
                        step: parameter.input.step)
                },
                kind: "script", version: info.version, compiles: analysis.compiles, overlay: analysis.overlay, can_short: analysis.canShort))
        }
        return Document(strategies: entries)
    }
}
