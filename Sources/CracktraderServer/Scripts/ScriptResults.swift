#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Storage
import TradingCore

enum JSONDecoderBox {
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// `script` in the results of a script run: the exact version it ran, with its source.
struct ScriptRunDocument: Encodable, Sendable {
    let name: String
    let version: Int
    let sha256: String
    let overlay: Bool
    let source: String
}

/// One `plot()` series of a script run: `[timestamp_ms, value]` points (value null where the plot
/// was na), thinned like the equity curve; `overlay` says whether it belongs on the price chart.
struct PlotDocument: Encodable, Sendable {
    struct Point: Encodable, Sendable {
        let time: Int64
        let value: Double?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(time)
            if let value { try container.encode(value) } else { try container.encodeNil() }
        }
    }
    let title: String
    let overlay: Bool
    let points: [Point]
    let points_total: Int
}

/// `/results` and `/runs/{id}`: the run's document, plus for a script run `script`, `plots` and
/// `trade_list` (TradingView's "List of Trades", Entry and Exit rows).
struct ResultsWithScript: Encodable, Sendable {
    let base: ResultsDocument
    var script: ScriptRunDocument?
    var plots: [PlotDocument] = []
    var tradeList: [ScriptTradeListRow]?

    enum CodingKeys: String, CodingKey { case script, plots, trade_list }

    func encode(to encoder: any Encoder) throws {
        try base.encode(to: encoder)
        guard let script else { return }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(script, forKey: .script)
        try container.encode(plots, forKey: .plots)
        try container.encode(tradeList, forKey: .trade_list)
    }
}

enum ScriptResults {
    /// Adds what a script run kept to its results document (nothing for built-in strategies).
    static func attach(_ document: ResultsDocument, store: ScriptStore, maxPoints: Int) async throws -> ResultsWithScript {
        var result = ResultsWithScript(base: document)
        guard let record = try await store.run(id: document.run_id) else { return result }
        result.script = ScriptRunDocument(
            name: record.name, version: record.version, sha256: record.sha256, overlay: record.overlay, source: record.source)
        result.plots = record.plots.map { plot(title: $0.title, values: $0.values, times: record.barTimes, overlay: record.overlay, maxPoints: maxPoints) }
        result.tradeList = record.tradeListJSON.flatMap { try? JSONDecoderBox.decode([ScriptTradeListRow].self, from: $0) }
        return result
    }

    /// A plot's points: all of them when `maxPoints` is 0 or the series is short enough, else
    /// `maxPoints` chosen by LTTB among the bars where the plot has a value (na bars are dropped
    /// only when thinning).
    static func plot(title: String, values: [Double], times: [Int64], overlay: Bool, maxPoints: Int) -> PlotDocument {
        let count = min(values.count, times.count)
        var indices = Array(0..<count)
        if maxPoints > 0, count > maxPoints {
            let finite = indices.filter { values[$0].isFinite }
            if finite.count > maxPoints {
                indices = Downsampling.largestTriangleThreeBuckets(finite.map { values[$0] }, threshold: maxPoints).map { finite[$0] }
            } else {
                indices = finite
            }
        }
        let points = indices.map { PlotDocument.Point(time: times[$0], value: values[$0].isFinite ? values[$0] : nil) }
        return PlotDocument(title: title, overlay: overlay, points: points, points_total: count)
    }

    /// The quote currency of a run's (first) symbol, for the CSV header (`Price USDT`).
    static func quoteCurrency(configJSON: String) -> String {
        guard case .object(let config)? = try? JSONDecoderBox.decode(JSONValue.self, from: configJSON),
              case .array(let symbols)? = config["symbols"], case .string(let first)? = symbols.first,
              let symbol = try? TradingSymbol(parsing: first)
        else { return "" }
        return symbol.quote
    }
}
