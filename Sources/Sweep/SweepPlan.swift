import TradingCore

/// A stage of a sweep split into shards, as `cracktrader sweep plan` writes it: the full config
/// (with where the data is), the resolved timeframe, the results header and every cell with its
/// shard. Cells are sorted by id and dealt round-robin, so shard sizes differ by at most one.
public struct SweepPlan: Sendable {
    public static let format = "cracktrader-sweep-plan"

    public let config: SweepConfig
    public let timeframe: Timeframe
    public let header: JSONValue
    public let shardCount: Int
    /// Cells sorted by id; cell `k` belongs to shard `k % shardCount`.
    public let cells: [SweepCell]

    public init(config: SweepConfig, timeframe: Timeframe, header: JSONValue, shardCount: Int, cells: [SweepCell]) {
        self.config = config
        self.timeframe = timeframe
        self.header = header
        self.shardCount = max(1, shardCount)
        self.cells = cells.sorted { $0.id < $1.id }
    }

    /// The next stage of `planner` given `history`, in `shards` shards (nil when the sweep is complete).
    public static func next(_ planner: SweepPlanner, history: [CellResult], shards: Int) throws(SweepError) -> SweepPlan? {
        let cells = try planner.nextCells(history: history)
        guard !cells.isEmpty else { return nil }
        guard shards >= 1 else { throw SweepError.config("--shards", "must be at least 1") }
        return SweepPlan(config: planner.config, timeframe: planner.data.timeframe, header: planner.header, shardCount: shards, cells: cells)
    }

    /// The cells of shard `index`.
    public func cells(ofShard index: Int) -> [SweepCell] {
        cells.enumerated().filter { $0.offset % shardCount == index }.map(\.element)
    }

    public var json: JSONValue {
        .object([
            "format": .string(Self.format), "format_version": .int(1),
            "config": config.json(includingData: true), "timeframe": .string(timeframe.rawValue),
            "sweep": header, "shards": .int(shardCount),
            "cells": .array(cells.enumerated().map { offset, cell in
                var object = cell.planJSON.objectValue!
                object["shard"] = .int(offset % shardCount)
                return .object(object)
            }),
        ])
    }

    /// Reads a plan written by `json`, recomputing (and so checking) every cell id.
    public init(json: JSONValue) throws(SweepError) {
        func invalid(_ message: String) -> SweepError { SweepError(kind: .config, code: "SWEEP_PLAN_INVALID", message: message) }
        guard json["format"]?.stringValue == Self.format else { throw invalid("not a sweep plan (format is not \(Self.format))") }
        guard let configJSON = json["config"], let timeframeText = json["timeframe"]?.stringValue,
              let timeframe = Timeframe(rawValue: timeframeText), let header = json["sweep"],
              let shards = json["shards"]?.intValue, shards >= 1, let cells = json["cells"]?.arrayValue else {
            throw invalid("the plan is missing config, timeframe, sweep, shards or cells")
        }
        let config = try SweepConfig(node: ConfigNode(json: configJSON), file: "plan config")
        var parsed: [SweepCell] = []
        for cell in cells { parsed.append(try SweepCell(plan: cell, config: config, timeframe: timeframe)) }
        self.init(config: config, timeframe: timeframe, header: header, shardCount: shards, cells: parsed)
    }
}

/// A whole sweep in one process: ask the planner, run the cells on `jobs` workers, tell it the
/// results, until it has nothing more to run; then the results document.
public enum SweepSession {
    /// Reports progress: (stage, cells done, cells in this stage).
    public typealias Progress = @Sendable (Int, Int, Int) -> Void

    /// - Parameter shouldStop: checked between cells and between stages; once it answers true no
    ///   further cell starts and the document covers the cells that finished (the server's stop).
    public static func run(_ planner: SweepPlanner, jobs: Int, memoryBudget: Int? = nil, progress: Progress? = nil,
                           shouldStop: SweepRunner.StopCheck? = nil) async throws(SweepError) -> JSONValue {
        var history: [CellResult] = []
        var stage = 0
        while true {
            if let shouldStop, shouldStop() { break }
            let cells = try planner.nextCells(history: history)
            if cells.isEmpty { break }
            let workers = try SweepRunner.workers(requested: jobs, data: planner.data, cells: cells, budget: memoryBudget)
            let current = stage
            history += await SweepRunner.run(cells, config: planner.config, data: planner.data, jobs: workers, progress: { done, total in
                progress?(current, done, total)
            }, shouldStop: shouldStop)
            stage += 1
        }
        return try SweepMerger.document(header: planner.header, results: history)
    }
}
