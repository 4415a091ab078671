import TradingCore

/// The walk-forward section of a results document, computed from the cells alone.
///
/// Per symbol: each fold's chosen parameters (its in-sample top-k), the in-sample and
/// out-of-sample metrics of the best, the walk-forward efficiency
/// `WFE = mean(OOS objective of each fold's best) / mean(IS objective of each fold's best)`
/// (null when the IS mean is ≤ 0 or a fold has no OOS result), the stitched out-of-sample equity
/// (each fold's best OOS curve scaled to start where the previous ended:
/// `stitchedₜ = vₜ · Π earlier (end value / initial cash)`), parameter stability and the holdout.
enum WalkForwardReport {
    static func build(folds foldsJSON: JSONValue, config: JSONValue?, cells: [CellResult]) -> JSONValue {
        let minTrades = config?["min_trades"]?.intValue
        let maxDrawdown = config?["max_drawdown"]?.doubleValue
        let initialCash = config?["initial_cash"]?.doubleValue ?? 10_000
        let folds = foldsJSON["folds"]?.arrayValue ?? []
        let symbols = (config?["symbols"]?.arrayValue ?? []).compactMap(\.stringValue)
        let sweptNames = (config?["parameters"]?.objectValue ?? [:]).filter { $0.value.arrayValue != nil || $0.value.objectValue != nil }.keys.sorted()

        var bySymbol: [String: JSONValue] = [:]
        for symbol in symbols {
            let mine = cells.filter { $0.symbol == symbol }
            var foldReports: [JSONValue] = []
            var isScores: [Double] = []
            var oosScores: [Double] = []
            var complete = true
            var stitched: [JSONValue] = []
            var scale = 1.0
            var lastTime = Int.min
            var chosenPerFold: [[String: ParameterValue]] = []
            for foldJSON in folds {
                guard let index = foldJSON["fold"]?.intValue else { continue }
                let ranked = SweepRanking.rank(mine.filter { $0.role == .inSample && $0.fold == index }, minTrades: minTrades, maxDrawdown: maxDrawdown)
                let outOfSample = mine.filter { $0.role == .outOfSample && $0.fold == index }
                var report: [String: JSONValue] = ["fold": .int(index), "train": foldJSON["train"] ?? .null, "test": foldJSON["test"] ?? .null]
                report["chosen"] = .array(ranked.prefix(outOfSample.count).map { SweepCell.parametersJSON($0.parameters) })
                if let best = ranked.first {
                    chosenPerFold.append(best.parameters)
                    report["in_sample"] = summary(best)
                    let key = SweepCell.pointKey(best.parameters)
                    let oosBest = outOfSample.first { SweepCell.pointKey($0.parameters) == key }
                    report["out_of_sample"] = .array(ranked.compactMap { ranked in
                        outOfSample.first { SweepCell.pointKey($0.parameters) == SweepCell.pointKey(ranked.parameters) }.map(summary)
                    })
                    if let oosBest, let isObjective = best.objective, let oosObjective = oosBest.objective {
                        isScores.append(isObjective)
                        oosScores.append(oosObjective)
                        report["efficiency"] = isObjective > 0 ? .number(oosObjective / isObjective) : .null
                    } else {
                        complete = false
                        report["efficiency"] = .null
                    }
                    if let curve = oosBest?.json["equity_curve"]?.arrayValue {
                        var last = initialCash
                        for point in curve {
                            guard let pair = point.arrayValue, pair.count == 2, let time = pair[0].intValue, let value = pair[1].doubleValue else { continue }
                            last = value
                            // Overlapping test windows (step < test): keep time strictly increasing.
                            guard time > lastTime else { continue }
                            lastTime = time
                            stitched.append(.array([.int(time), .number(value * scale)]))
                        }
                        scale *= last / initialCash
                    }
                } else {
                    complete = false
                    report["in_sample"] = .null
                    report["out_of_sample"] = .array([])
                    report["efficiency"] = .null
                }
                foldReports.append(.object(report))
            }
            let isMean = isScores.isEmpty ? nil : isScores.reduce(0, +) / Double(isScores.count)
            let oosMean = oosScores.isEmpty ? nil : oosScores.reduce(0, +) / Double(oosScores.count)
            var efficiency: Double?
            if complete, let isMean, let oosMean, isMean > 0 { efficiency = oosMean / isMean }

            var stability: [String: JSONValue] = [:]
            for name in sweptNames {
                let values = chosenPerFold.compactMap { $0[name] }
                let numbers = values.compactMap { ParameterDomain.number($0) }
                var entry: [String: JSONValue] = [
                    "values": .array(values.map(ParameterDomain.json)),
                    "distinct": .int(Set(values).count),
                ]
                if numbers.count == values.count, !numbers.isEmpty {
                    let mean = numbers.reduce(0, +) / Double(numbers.count)
                    let variance = numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(numbers.count)
                    entry["mean"] = .number(mean)
                    entry["std"] = .number(variance.squareRoot())
                    // Spread relative to the swept range: 0 = the same value in every fold.
                    let range = domainWidth(config?["parameters"]?[name])
                    entry["std_over_range"] = range > 0 ? .number(variance.squareRoot() / range) : .null
                }
                stability[name] = .object(entry)
            }
            let holdout = mine.first { $0.role == .holdout }
            bySymbol[symbol] = .object([
                "folds": .array(foldReports),
                "in_sample_mean_objective": .number(isMean),
                "out_of_sample_mean_objective": .number(oosMean),
                "walk_forward_efficiency": .number(efficiency),
                "stitched_equity": .array(stitched),
                "stitched_return": stitched.isEmpty ? .null : .number(scale - 1),
                "parameter_stability": .object(stability),
                "holdout": holdout.map { summary($0) } ?? .null,
            ])
        }
        return .object([
            "folds": foldsJSON["folds"] ?? .array([]),
            "holdout_window": foldsJSON["holdout"] ?? .null,
            "symbols": .object(bySymbol),
        ])
    }

    static func summary(_ result: CellResult) -> JSONValue {
        .object([
            "id": .string(result.id), "parameters": SweepCell.parametersJSON(result.parameters), "objective": .number(result.objective),
            "status": .string(result.status.rawValue), "performance_metrics": result.json["performance_metrics"] ?? .null,
            "final_value": result.json["final_value"] ?? .null,
        ])
    }

    /// max − min of a domain in config form (list or {from, to}).
    static func domainWidth(_ domain: JSONValue?) -> Double {
        if let list = domain?.arrayValue {
            let numbers = list.compactMap(\.doubleValue)
            guard let low = numbers.min(), let high = numbers.max() else { return 0 }
            return high - low
        }
        if let from = domain?["from"]?.doubleValue, let to = domain?["to"]?.doubleValue { return to - from }
        return 0
    }
}
