@testable import CracktraderServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Sweep
import Testing

@Suite("Sweeps API with saved Pine scripts")
struct SweepScriptRoutesTests {
    static func body(_ strategy: String, extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = [
            "name": "script grid", "strategy": strategy, "symbols": ["BTC/USDT"], "timeframe": "1h", "exchange": "sim",
            "start": "2024-01-01", "end": "2024-02-01",
            "parameters": ["fastLength": [5, 10], "slowLength": [20, 30]],
            "constraints": ["fastLength < slowLength"], "objective": "net_profit",
        ]
        for (key, value) in extra { object[key] = value }
        return jsonBody(object)
    }

    /// What `cracktrader sweep --json` gives for the same sweep with the script inline (as a plan
    /// carries it), under the name the server gives a saved script's source.
    static func cliDocument(source: String, path: String) async throws -> Sweep.JSONValue {
        let config = jsonBody([
            "script": ["path": path, "source": source], "symbols": ["BTC/USDT"], "timeframe": "1h", "exchange": "sim",
            "start": "2024-01-01", "end": "2024-02-01",
            "parameters": ["fastLength": [5, 10], "slowLength": [20, 30]],
            "constraints": ["fastLength < slowLength"], "objective": "net_profit",
        ])
        let parsed = try SweepConfig.parse(bytes: Array(config.utf8))
        let data = try await SweepDataLoader.load(parsed)
        return try await SweepSession.run(try SweepPlanner(config: parsed, data: data), jobs: 1)
    }

    @Test("strategy naming a saved script: cells equal the CLI's, the entry names the script, a cell reruns as the same backtest")
    func savedScript() async throws {
        let cli = try await Self.cliDocument(source: smaCrossScript, path: "Cross.pine")
        try await withTestApplication(configure: fixedClock) { client in
            let saved = try await client.saveScript("Cross", smaCrossScript).object
            let start = try await client.call(.post, "/api/v1/sweeps", json: Self.body("Cross"))
            #expect(start.status == .accepted, "\(start.text)")
            let id = try #require(start.object["sweep_id"] as? String)
            #expect((start.object["progress"] as? [String: Int])?["total"] == 4)
            _ = try await SweepRoutesTests.waitForSweep(client, id, ["completed"])

            let detail = try SweepRoutesTests.parse(try await client.call(.get, "/api/v1/sweeps/\(id)").text)
            #expect(detail["strategy"] == .string("Cross"))
            #expect(detail["config"]?["strategy"] == .string("Cross"))
            #expect(detail["config"]?["script"] == .object([
                "name": .string("Cross"), "version": .int(1), "title": .string("SMA Cross"),
                "sha256": .string(try #require(saved["sha256"] as? String)),
            ]))
            #expect(detail["summary"] == cli["summary"])
            #expect(detail["ranking"] == cli["ranking"])
            let cliCells = try #require(cli["cells"]?.arrayValue)
            let cells = try #require(detail["cells"]?.arrayValue)
            #expect(cells.count == 4)  // (5,20) (5,30) (10,20) (10,30): every point meets the constraint
            #expect(cells.count == cliCells.count)
            let cliByID = Dictionary(uniqueKeysWithValues: cliCells.map { ($0["id"]!.stringValue!, $0) })
            for cell in cells {
                let cellID = try #require(cell["id"]?.stringValue)
                #expect(cell.canonicalText == SweepRoutesTests.withoutEquity(try #require(cliByID[cellID])).canonicalText)
                #expect(cell["status"] == .string("ok"))
            }

            // "Open as a run": the best cell as an ordinary backtest of the saved script.
            let bestID = try #require(cli["ranking"]?.arrayValue?.first?["id"]?.stringValue)
            let best = try #require(cells.first { $0["id"]?.stringValue == bestID })
            let parameters = try #require(best["parameters"]?.objectValue)
            let run = try await client.call(.post, "/api/v1/run/backtest", json: jsonBody([
                "strategy_name": "Cross", "symbols": ["BTC/USDT"], "timeframe": "1h", "exchange": "sim",
                "start_date": "2024-01-01T00:00:00Z", "end_date": "2024-02-01T00:00:00Z",
                "strategy_params": parameters.mapValues { $0.intValue! },
            ]))
            #expect(run.status == .accepted || run.status == .ok, "\(run.text)")
            try await client.waitForStatus(["completed", "failed"])
            // Parsed exactly (Foundation's JSONSerialization rounds some doubles on Linux).
            let results = try SweepRoutesTests.parse(try await client.call(.get, "/api/v1/results?max_points=0").text)
            #expect(results["status"] == .string("completed"), "\(results["error"] ?? .null)")
            #expect(results["config"]?["strategy_name"] == .string("Cross"))
            #expect(results["final_value"] == best["final_value"])
            let metrics = try #require(results["performance_metrics"]?.objectValue)
            #expect(metrics == best["performance_metrics"]?.objectValue)
        }
    }

    @Test("bad script sweeps are 400 naming the field the user wrote")
    func errors() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            try await client.saveScript("Cross", smaCrossScript)
            try await client.saveScript("Broken", brokenSMACrossScript)
            try await client.saveScript("Gauge", "//@version=5\nindicator(\"Gauge\")\nplot(close)\n")

            func refusal(_ body: String) async throws -> (field: String?, message: String?) {
                let reply = try await client.call(.post, "/api/v1/sweeps", json: body)
                #expect(reply.status == .badRequest, "\(reply.text)")
                let error = reply.object["error"] as? [String: Any]
                #expect(error?["code"] as? String == "VALIDATION_ERROR")
                return ((error?["details"] as? [String: Any])?["field"] as? String, error?["message"] as? String)
            }

            let unknown = try await refusal(Self.body("Nope"))
            #expect(unknown.field == "strategy")
            #expect(unknown.message?.hasPrefix("strategy: unknown strategy 'Nope'; available: ") == true)
            #expect(unknown.message?.hasSuffix("; saved scripts: Broken, Cross, Gauge") == true)

            let broken = try await refusal(Self.body("Broken"))
            #expect(broken.field == "strategy")
            #expect(broken.message?.contains("Broken.pine:5:") == true, "\(broken.message ?? "")")

            let indicator = try await refusal(Self.body("Gauge"))
            #expect(indicator.field == "strategy")

            let input = try await refusal(Self.body("Cross", extra: ["parameters": ["nope": [1, 2]]]))
            #expect(input.field == "parameters.nope")
            #expect(input.message?.contains("the script has no input named 'nope'; its inputs are:") == true)

            let range = try await refusal(Self.body("Cross", extra: ["parameters": ["fastLength": [0, 5]]]))
            #expect(range.field == "parameters.fastLength")

            let commission = try await refusal(Self.body("Cross", extra: ["commission": 0.001]))
            #expect(commission.field == "commission")

            let path = try await refusal(Self.body("Cross", extra: ["strategy": NSNull(), "script": "cross.pine"]).replacingOccurrences(of: "\"strategy\":null,", with: ""))
            #expect(path.field == "script")
            #expect(path.message == "script: a script file is read by `cracktrader sweep` only; here name a saved script in strategy, or give the source inline as script: {\"source\": …}")

            // Nothing was started by any of them.
            let list = try await client.call(.get, "/api/v1/sweeps").object
            #expect(list["total"] as? Int == 0)
        }
    }

    @Test("a script given inline runs too; its entry has no saved name")
    func inlineScript() async throws {
        let cli = try await Self.cliDocument(source: smaCrossScript, path: "script.pine")
        try await withTestApplication(configure: fixedClock) { client in
            let body = Self.body("x", extra: ["script": ["source": smaCrossScript]]).replacingOccurrences(of: "\"strategy\":\"x\",", with: "")
            let start = try await client.call(.post, "/api/v1/sweeps", json: body)
            #expect(start.status == .accepted, "\(start.text)")
            let id = try #require(start.object["sweep_id"] as? String)
            _ = try await SweepRoutesTests.waitForSweep(client, id, ["completed"])
            let detail = try SweepRoutesTests.parse(try await client.call(.get, "/api/v1/sweeps/\(id)").text)
            #expect(detail["strategy"] == .null)
            #expect(detail["config"]?["script"]?["title"] == .string("SMA Cross"))
            #expect(detail["config"]?["script"]?["name"] == nil)
            #expect(detail["ranking"] == cli["ranking"])
        }
    }
}
