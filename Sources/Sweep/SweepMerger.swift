/// Builds the results document from a header and cell results, and merges shard files.
///
/// The document is canonical JSON (see `JSONValue`): cells sorted by id, then `ranking`, `best`
/// and (for walk-forward) `walk_forward`, all computed from the cells and the header alone. A
/// local sweep and any plan → shards → merge of the same config therefore give the same bytes.
public enum SweepMerger {
    public static let resultsFormat = "cracktrader-sweep-results"
    public static let shardFormat = "cracktrader-sweep-shard"

    /// Cells sorted by id; a cell seen twice must be byte-identical (a retried shard), else
    /// `SWEEP_MERGE_CONFLICT`.
    public static func deduplicate(_ results: [CellResult]) throws(SweepError) -> [CellResult] {
        var byID: [String: CellResult] = [:]
        for result in results {
            if let existing = byID[result.id] {
                guard existing.json.canonicalBytes == result.json.canonicalBytes else {
                    throw SweepError(kind: .permanent, code: "SWEEP_MERGE_CONFLICT",
                                     message: "cell \(result.id) appears twice with different results; a retried shard must give byte-identical cells (was the data or the binary changed between runs?)")
                }
            } else {
                byID[result.id] = result
            }
        }
        return byID.keys.sorted().map { byID[$0]! }
    }

    /// The results document.
    public static func document(header: JSONValue, results: [CellResult]) throws(SweepError) -> JSONValue {
        let cells = try deduplicate(results)
        let config = header["config"]
        let minTrades = config?["min_trades"]?.intValue
        let maxDrawdown = config?["max_drawdown"]?.doubleValue
        let top = config?["top"]?.intValue ?? 10
        let primaryRole: SweepCell.Role = header["walk_forward"] == nil ? .sweep : .outOfSample
        let ranked = SweepRanking.rank(cells.filter { $0.role == primaryRole }, minTrades: minTrades, maxDrawdown: maxDrawdown)
        let ranking: [JSONValue] = ranked.enumerated().map { index, result in
            .object([
                "rank": .int(index + 1), "id": .string(result.id), "objective": .number(result.objective),
                "symbol": .string(result.symbol), "parameters": SweepCell.parametersJSON(result.parameters),
            ])
        }
        var document: [String: JSONValue] = [
            "format": .string(resultsFormat),
            "format_version": .int(1),
            "sweep": header,
            "cells": .array(cells.map(\.json)),
            "summary": .object([
                "cells": .int(cells.count),
                "ok": .int(cells.filter { $0.status == .ok }.count),
                "failed": .int(cells.filter { $0.status == .failed }.count),
                "ranked": .int(ranked.count),
            ]),
            "ranking": .array(ranking),
            "best": .array(ranked.prefix(top).map(\.json)),
        ]
        if let walkForward = header["walk_forward"] {
            document["walk_forward"] = WalkForwardReport.build(folds: walkForward, config: config, cells: cells)
        }
        return .object(document)
    }

    /// A shard file: the header, the shard index and its cell results.
    public static func shardDocument(header: JSONValue, shard: Int, results: [CellResult]) throws(SweepError) -> JSONValue {
        .object([
            "format": .string(shardFormat), "format_version": .int(1), "sweep": header, "shard": .int(shard),
            "cells": .array(try deduplicate(results).map(\.json)),
        ])
    }

    /// Merges shard files and earlier results documents (for ask/tell) into one results document.
    /// Every input must carry the same `sweep` header.
    ///
    /// - Parameter expected: when given (a plan's cell ids), every one of them must be present.
    public static func merge(_ inputs: [(name: String, bytes: [UInt8])], expected: Set<String>? = nil) throws(SweepError) -> JSONValue {
        var header: JSONValue?
        var headerSource = ""
        var results: [CellResult] = []
        for input in inputs {
            let value: JSONValue
            do { value = try JSONValue.parse(input.bytes) } catch {
                throw SweepError(kind: .permanent, code: "SWEEP_RESULT_INVALID", message: "\(input.name): \(error.message)")
            }
            guard let format = value["format"]?.stringValue, format == shardFormat || format == resultsFormat,
                  let sweep = value["sweep"], let cells = value["cells"]?.arrayValue else {
                throw SweepError(kind: .permanent, code: "SWEEP_RESULT_INVALID", message: "\(input.name) is not a sweep shard or results file")
            }
            if let header {
                guard header.canonicalBytes == sweep.canonicalBytes else {
                    throw SweepError(kind: .permanent, code: "SWEEP_MERGE_CONFLICT", message: "\(input.name) belongs to another sweep than \(headerSource) (their sweep headers differ)")
                }
            } else {
                header = sweep
                headerSource = input.name
            }
            for cell in cells { results.append(try CellResult(json: cell)) }
        }
        guard let header else { throw SweepError(kind: .config, code: "SWEEP_NOTHING_TO_MERGE", message: "no shard files to merge") }
        if let expected {
            let present = Set(results.map(\.id))
            let missing = expected.subtracting(present)
            guard missing.isEmpty else {
                throw SweepError(kind: .transient, code: "SWEEP_SHARDS_MISSING", message: "\(missing.count) planned cells have no result yet (e.g. \(missing.sorted().first!)); run the missing shards")
            }
        }
        return try document(header: header, results: results)
    }
}
