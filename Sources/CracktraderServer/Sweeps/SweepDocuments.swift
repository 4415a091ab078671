import NIOCore
import Storage
import Sweep
import TradingCore

/// The JSON the sweep routes answer with (see docs/api.md, "Sweeps"), built in the Sweep module's
/// canonical form so a cell is byte for byte the cell of `cracktrader sweep --json` (without its
/// `equity_curve`).
enum SweepDocuments {
    /// Ranking rows a detail document carries (the cells have every rank).
    static let rankingRows = 100

    /// `202` of `POST /sweeps`.
    static func started(id: String, createdAt: Int64, total: Int) -> SweepJSON {
        .object([
            "sweep_id": .string(id), "status": .string(SweepStatus.running.rawValue),
            "created_at": .string(ISO8601Timestamp.string(fromMilliseconds: createdAt)),
            "progress": SweepProgress(stage: 0, done: 0, total: total).json,
        ])
    }

    /// One row per cell of a results document: rank from its `ranking`, JSON without `equity_curve`.
    static func cellRows(_ document: SweepJSON) -> [SweepCellRow] {
        var ranks: [String: Int] = [:]
        for row in document["ranking"]?.arrayValue ?? [] {
            if let id = row["id"]?.stringValue, let rank = row["rank"]?.intValue { ranks[id] = rank }
        }
        return (document["cells"]?.arrayValue ?? []).compactMap { cell in
            guard var object = cell.objectValue, let id = object["id"]?.stringValue else { return nil }
            object["equity_curve"] = nil
            return SweepCellRow(
                cellID: id, rank: ranks[id], objective: object["objective"]?.doubleValue, role: object["role"]?.stringValue ?? "sweep",
                json: SweepJSON.object(object).canonicalText)
        }
    }

    /// What the `sweeps` row keeps of a results document: everything but the cells, the ranking
    /// cut to `rankingRows`.
    static func resultsJSON(_ document: SweepJSON) -> String {
        var kept: [String: SweepJSON] = [
            "summary": document["summary"] ?? .null,
            "ranking": .array(Array((document["ranking"]?.arrayValue ?? []).prefix(rankingRows))),
            "best": document["best"] ?? .array([]),
            "walk_forward": document["walk_forward"] ?? .null,
        ]
        if let header = document["sweep"] { kept["sweep"] = header }
        return SweepJSON.object(kept).canonicalText
    }

    static func parse(_ text: String?) -> SweepJSON? {
        guard let text else { return nil }
        return try? SweepJSON.parse(Array(text.utf8))
    }

    /// A list entry (also the head of a detail document).
    static func entry(_ record: SweepRecord, liveProgress: SweepProgress?) -> [String: SweepJSON] {
        let config = parse(record.configJSON) ?? .object([:])
        let results = parse(record.resultsJSON)
        let swept = (config["parameters"]?.objectValue ?? [:]).filter { $0.value.arrayValue != nil || $0.value.objectValue != nil }.keys.sorted()
        let progress = liveProgress ?? SweepProgress(stage: record.stage, done: record.done, total: record.total)
        var best: SweepJSON = .null
        if let first = results?["ranking"]?.arrayValue?.first {
            best = .object([
                "id": first["id"] ?? .null, "objective": first["objective"] ?? .null, "symbol": first["symbol"] ?? .null,
                "parameters": first["parameters"] ?? .object([:]),
            ])
        }
        return [
            "sweep_id": .string(record.id),
            "name": record.name.map(SweepJSON.string) ?? .null,
            "status": .string(record.status),
            "strategy": config["strategy"] ?? .null,
            "symbols": config["symbols"] ?? .array([]),
            "timeframe": .string(record.timeframe),
            "exchange": .string(record.exchange),
            "objective": config["objective"] ?? .null,
            "search_method": config["search"]?["method"] ?? .null,
            "parameters": .array(swept.map(SweepJSON.string)),
            "created_at": .string(ISO8601Timestamp.string(fromMilliseconds: record.createdAt)),
            "end_time": record.endedAt.map { .string(ISO8601Timestamp.string(fromMilliseconds: $0)) } ?? .null,
            "progress": progress.json,
            "summary": results?["summary"] ?? .null,
            "best": best,
            "error": parse(record.errorJSON) ?? .null,
        ]
    }

    /// `GET /sweeps/{id}`: the entry, the config, the first ranking rows, the best cells, the
    /// walk-forward report and a page of cells.
    static func detail(
        _ record: SweepRecord, liveProgress: SweepProgress?, cells: [String], cellsTotal: Int, limit: Int, offset: Int
    ) -> SweepJSON {
        var object = entry(record, liveProgress: liveProgress)
        let results = parse(record.resultsJSON)
        object["config"] = parse(record.configJSON) ?? .object([:])
        object["ranking"] = results?["ranking"] ?? .array([])
        object["best"] = results?["best"] ?? .array([])
        object["walk_forward"] = results?["walk_forward"] ?? .null
        object["cells"] = .array(cells.compactMap(parse))
        object["cells_total"] = .int(cellsTotal)
        object["limit"] = .int(limit)
        object["offset"] = .int(offset)
        return .object(object)
    }

    /// `GET /sweeps`.
    static func list(_ records: [SweepRecord], total: Int, limit: Int, offset: Int, liveProgress: (String) -> SweepProgress?) -> SweepJSON {
        .object([
            "sweeps": .array(records.map { .object(entry($0, liveProgress: liveProgress($0.id))) }),
            "total": .int(total), "limit": .int(limit), "offset": .int(offset),
        ])
    }

    /// The keys of `performance_metrics` a page of cells may be sorted by.
    static let metricKeys: Set<String> = {
        // Every optional set, so the encoder writes every key.
        let metrics = PerformanceMetrics(
            cagr: 0, sharpeRatio: 0, sortinoRatio: 0, calmarRatio: 0, winRate: 0, profitFactor: 0, avgWin: 0, avgLoss: 0,
            expectancy: 0, bestTrade: 0, worstTrade: 0)
        guard let buffer = try? JSONCoding.encode(metrics), let value = try? SweepJSON.parse(Array(buffer.readableBytesView)) else { return [] }
        return Set(value.objectValue?.keys ?? [:].keys)
    }()
}
