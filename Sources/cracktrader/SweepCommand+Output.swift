import ExchangeHistory
import Sweep
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The sweep's progress on stderr: `[#####.....] 52% 520/1000 cells ETA 12s`, redrawn at most
/// ten times a second (worker threads call `update`).
final class SweepProgressBar: Sendable {
    private struct State {
        var stage = -1
        var started: ContinuousClock.Instant = .now
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }

    private let state = Mutex(State())

    func update(stage: Int, done: Int, total: Int) {
        state.withLock { state in
            let now = ContinuousClock.now
            if stage != state.stage {
                state.stage = stage
                state.started = now
            }
            if let last = state.lastDraw, now - last < .milliseconds(100), done < total { return }
            state.lastDraw = now
            state.drawn = true
            let fraction = total > 0 ? Double(done) / Double(total) : 1
            let width = 20
            let filled = min(width, Int(fraction * Double(width)))
            var line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += " \(Int(fraction * 100))% \(done)/\(total) cells"
            if stage > 0 { line += " (stage \(stage + 1))" }
            let elapsed = Self.seconds(now - state.started)
            if done > 0, done < total {
                line += " ETA " + TerminalProgressBar.formatDuration(elapsed / Double(done) * Double(total - done))
            }
            line += "   "
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress!, $0.count) }
        }
    }

    func finish() {
        state.withLock { state in
            if state.drawn { _ = write(STDERR_FILENO, "\n", 1) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Every cell of a results document as one CSV row: id, symbol, role, fold, status, objective,
/// the parameters (one column each), then every `performance_metrics` key and `final_value`.
enum SweepCSV {
    static func render(_ document: JSONValue) -> String {
        let cells = document["cells"]?.arrayValue ?? []
        var parameterNames = Set<String>()
        var metricNames = Set<String>()
        for cell in cells {
            parameterNames.formUnion(cell["parameters"]?.objectValue?.keys ?? [:].keys)
            metricNames.formUnion(cell["performance_metrics"]?.objectValue?.keys ?? [:].keys)
        }
        let parameters = parameterNames.sorted()
        let metrics = metricNames.sorted()
        var lines = [(["id", "symbol", "role", "fold", "window_start", "window_end", "status", "objective"] + parameters + metrics + ["final_value"]).joined(separator: ",")]
        for cell in cells {
            var fields = [
                text(cell["id"]), text(cell["symbol"]), text(cell["role"]), text(cell["fold"]),
                text(cell["window"]?["start"]), text(cell["window"]?["end"]), text(cell["status"]), text(cell["objective"]),
            ]
            fields += parameters.map { text(cell["parameters"]?[$0]) }
            fields += metrics.map { text(cell["performance_metrics"]?[$0]) }
            fields.append(text(cell["final_value"]))
            lines.append(fields.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case nil, .null?: ""
        case let other?: other.canonicalText
        }
    }

    static func quote(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") || field.contains("\n") else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }
}

/// A short human summary: counts and the best cells.
enum SweepSummaryTable {
    static func render(_ document: JSONValue) -> String {
        let summary = document["summary"]
        var lines = ["cells: \(SweepCSV.text(summary?["cells"])), ok: \(SweepCSV.text(summary?["ok"])), failed: \(SweepCSV.text(summary?["failed"])), ranked: \(SweepCSV.text(summary?["ranked"]))"]
        let objective = document["sweep"]?["config"]?["objective"].map { SweepCSV.text($0) } ?? "objective"
        for entry in (document["ranking"]?.arrayValue ?? []).prefix(10) {
            lines.append("#\(SweepCSV.text(entry["rank"])) \(SweepCSV.text(entry["symbol"])) \(SweepCSV.text(entry["parameters"])) \(objective)=\(SweepCSV.text(entry["objective"])) id=\(SweepCSV.text(entry["id"]))")
        }
        if let walkForward = document["walk_forward"]?["symbols"]?.objectValue {
            for symbol in walkForward.keys.sorted() {
                let report = walkForward[symbol]!
                lines.append("\(symbol): walk-forward efficiency \(SweepCSV.text(report["walk_forward_efficiency"])), stitched OOS return \(SweepCSV.text(report["stitched_return"])), holdout objective \(SweepCSV.text(report["holdout"]?["objective"]))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
