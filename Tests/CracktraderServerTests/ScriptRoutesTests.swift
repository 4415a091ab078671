import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PineScript
import Storage
import Testing

@Suite("Scripts API: saved Pine scripts, versions, the compile check")
struct ScriptRoutesTests {
    static let hash1 = SHA256Digest.hex(smaCrossScript)

    @Test("create, read, list, update (a version per changed save), versions, a version's source, delete")
    func lifecycle() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let created = try await client.saveScript("My Cross", smaCrossScript)
            let expectedCreate = jsonBody([
                "name": "My Cross", "version": 1, "sha256": Self.hash1, "size": smaCrossScript.utf8.count,
                "created_at": "2024-03-01T00:30:00.000Z", "updated_at": "2024-03-01T00:30:00.000Z", "compiles": true, "errors": 0,
                "warnings": 0, "kind": "strategy", "title": "SMA Cross", "source": smaCrossScript, "diagnostics": [Any](),
                "saved_new_version": true,
            ])
            #expect(try normalised(created.text) == expectedCreate)

            let fetched = try await client.call(.get, "/api/v1/scripts/my%20cross")
            #expect(fetched.status == .ok)
            #expect(fetched.object["name"] as? String == "My Cross")
            #expect(fetched.object["source"] as? String == smaCrossScript)
            #expect(fetched.object["saved_new_version"] == nil)

            let list = try await client.call(.get, "/api/v1/scripts")
            #expect(list.status == .ok)
            let expectedList = jsonBody(["scripts": [[
                "name": "My Cross", "version": 1, "sha256": Self.hash1, "size": smaCrossScript.utf8.count,
                "created_at": "2024-03-01T00:30:00.000Z", "updated_at": "2024-03-01T00:30:00.000Z", "compiles": true, "errors": 0,
                "warnings": 0, "kind": "strategy", "title": "SMA Cross",
            ]]])
            #expect(try normalised(list.text) == expectedList)

            // A broken version is saved (work is not lost) and reported.
            let broken = try await client.call(.put, "/api/v1/scripts/My%20Cross", json: jsonBody(["source": brokenSMACrossScript]))
            #expect(broken.status == .ok)
            #expect(broken.object["version"] as? Int == 2)
            #expect(broken.object["compiles"] as? Bool == false)
            #expect(broken.object["errors"] as? Int == 1)
            #expect(broken.object["saved_new_version"] as? Bool == true)
            let diagnostics = broken.object["diagnostics"] as? [[String: Any]] ?? []
            #expect(diagnostics.count == 1)
            #expect(diagnostics.first?["line"] as? Int == 5)
            #expect(diagnostics.first?["column"] as? Int == 15)
            #expect(diagnostics.first?["end_column"] as? Int == 20)
            #expect(diagnostics.first?["severity"] as? String == "error")
            // The same text again: no new version.
            let same = try await client.call(.put, "/api/v1/scripts/My%20Cross", json: jsonBody(["source": brokenSMACrossScript]))
            #expect(same.object["version"] as? Int == 2)
            #expect(same.object["saved_new_version"] as? Bool == false)
            let fixed = try await client.call(.put, "/api/v1/scripts/My%20Cross", json: jsonBody(["source": smaCrossScript]))
            #expect(fixed.object["version"] as? Int == 3)

            let versions = try await client.call(.get, "/api/v1/scripts/My%20Cross/versions")
            #expect(versions.status == .ok)
            let rows = versions.object["versions"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["version"] as? Int } == [3, 2, 1])
            #expect(rows.map { $0["sha256"] as? String } == [Self.hash1, SHA256Digest.hex(brokenSMACrossScript), Self.hash1])
            #expect(rows.allSatisfy { $0["source"] == nil && $0["created_at"] as? String == "2024-03-01T00:30:00.000Z" })
            let two = try await client.call(.get, "/api/v1/scripts/My%20Cross/versions/2")
            #expect(two.status == .ok)
            #expect(two.object["source"] as? String == brokenSMACrossScript)
            #expect(two.object["version"] as? Int == 2)

            let deleted = try await client.call(.delete, "/api/v1/scripts/my%20CROSS")
            #expect(deleted.status == .ok)
            #expect(deleted.text == #"{"deleted":true,"name":"My Cross"}"#)
            #expect(try await client.call(.get, "/api/v1/scripts").text == #"{"scripts":[]}"#)
        }
    }

    @Test("every error: bad names, duplicates, missing fields, too large, unknown script and version")
    func errors() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            func post(_ body: String) async throws -> JSONReply { try await client.call(.post, "/api/v1/scripts", json: body) }
            let badName = try await post(jsonBody(["name": "a/b", "source": "x"]))
            #expect(badName.status == .badRequest)
            #expect(badName.text == envelope(
                code: "VALIDATION_ERROR", message: "invalid script: name may only contain letters A–Z, digits, spaces, '_', '.' and '-'",
                details: #"{"fields":{"name":"may only contain letters A–Z, digits, spaces, '_', '.' and '-'"}}"#))
            let long = try await post(jsonBody(["name": String(repeating: "x", count: 65), "source": "x"]))
            #expect(long.errorCode == "VALIDATION_ERROR")
            #expect((long.errorDetails["fields"] as? [String: String])?["name"] == "must be at most 64 characters")
            let builtIn = try await post(jsonBody(["name": "movingaveragecross", "source": "x"]))
            #expect(builtIn.status == .badRequest)
            #expect((builtIn.errorDetails["fields"] as? [String: String])?["name"] == "is the name of a built-in strategy")
            let missing = try await post(#"{"extra":1}"#)
            #expect(missing.text == envelope(
                code: "VALIDATION_ERROR", message: "invalid script request: name is required; source is required; extra is not an accepted field",
                details: #"{"fields":{"extra":"is not an accepted field","name":"is required","source":"is required"}}"#))
            let wrongType = try await post(#"{"name":"a","source":5}"#)
            #expect((wrongType.errorDetails["fields"] as? [String: String])?["source"] == "must be a string")
            let big = String(repeating: "a", count: 512 * 1024 + 1)
            let tooLarge = try await post(jsonBody(["name": "big", "source": big]))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.text == envelope(
                code: "SCRIPT_TOO_LARGE", message: "the script is 524289 bytes; at most 524288 are accepted",
                details: #"{"limit_bytes":524288,"size_bytes":524289}"#))
            let notJSON = try await client.execute(uri: "/api/v1/scripts", method: .post, body: ByteBuffer(string: "x")) { $0.status }
            #expect(notJSON == .unsupportedMediaType)

            try await client.saveScript("Cross", smaCrossScript)
            let duplicate = try await post(jsonBody(["name": "CROSS", "source": "x"]))
            #expect(duplicate.status == .conflict)
            #expect(duplicate.text == envelope(
                code: "SCRIPT_EXISTS",
                message: "a script named 'Cross' already exists (names are compared without case); save a new version with PUT /api/v1/scripts/{name}",
                details: #"{"name":"Cross"}"#))

            let unknown = envelope(code: "UNKNOWN_SCRIPT", message: "no saved script named 'Nope'", details: #"{"name":"Nope"}"#)
            #expect(try await client.call(.get, "/api/v1/scripts/Nope").text == unknown)
            #expect(try await client.call(.get, "/api/v1/scripts/Nope").status == .notFound)
            #expect(try await client.call(.put, "/api/v1/scripts/Nope", json: #"{"source":"x"}"#).text == unknown)
            #expect(try await client.call(.delete, "/api/v1/scripts/Nope").text == unknown)
            #expect(try await client.call(.get, "/api/v1/scripts/Nope/versions").text == unknown)
            #expect(try await client.call(.get, "/api/v1/scripts/Nope/versions/1").text == unknown)
            let noVersion = try await client.call(.get, "/api/v1/scripts/Cross/versions/9")
            #expect(noVersion.status == .notFound)
            #expect(noVersion.text == envelope(
                code: "UNKNOWN_SCRIPT_VERSION", message: "script 'Cross' has no version 9; its versions are 1…1",
                details: #"{"latest_version":1,"name":"Cross","version":9}"#))
            let badVersion = try await client.call(.get, "/api/v1/scripts/Cross/versions/x")
            #expect(badVersion.status == .badRequest)
            #expect(badVersion.errorCode == "VALIDATION_ERROR")
            let putMissing = try await client.call(.put, "/api/v1/scripts/Cross", json: #"{"name":"x"}"#)
            #expect(putMissing.status == .badRequest)
            #expect((putMissing.errorDetails["fields"] as? [String: String]) == ["source": "is required", "name": "is not an accepted field"])
            let putLarge = try await client.call(.put, "/api/v1/scripts/Cross", json: jsonBody(["source": big]))
            #expect(putLarge.status == .contentTooLarge)
        }
    }

    @Test("check: diagnostics at the right place, empty when the script compiles, errors for bad bodies")
    func check() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let broken = try await client.call(.post, "/api/v1/scripts/check", json: jsonBody(["source": brokenSMACrossScript]))
            #expect(broken.status == .ok)
            #expect(broken.text == #"{"diagnostics":[{"column":15,"end_column":20,"line":5,"message":"undeclared identifier 'clsoe'; did you mean 'close'?","severity":"error"}]}"#)
            let ok = try await client.call(.post, "/api/v1/scripts/check", json: jsonBody(["source": smaCrossScript]))
            #expect(ok.text == #"{"diagnostics":[]}"#)
            let missing = try await client.call(.post, "/api/v1/scripts/check", json: #"{}"#)
            #expect(missing.text == envelope(
                code: "VALIDATION_ERROR", message: "invalid script request: source is required", details: #"{"fields":{"source":"is required"}}"#))
            let big = try await client.call(.post, "/api/v1/scripts/check", json: jsonBody(["source": String(repeating: "a", count: 600_000)]))
            #expect(big.status == .contentTooLarge)
            #expect(big.errorCode == "SCRIPT_TOO_LARGE")

            // A 200-line script: the check is meant to run on every pause in typing.
            var lines = [ "//@version=5", #"strategy("Long", overlay=true)"# ]
            for index in 0..<198 { lines.append("v\(index) = ta.sma(close, \(index % 50 + 2)) + ta.ema(high, 3) * \(index)") }
            let source = lines.joined(separator: "\n")
            let body = jsonBody(["source": source])
            _ = try await client.call(.post, "/api/v1/scripts/check", json: body)
            // Its speed is a benchmark (docs/performance.md, "Script check"), not a timed test.
            let reply = try await client.call(.post, "/api/v1/scripts/check", json: body)
            #expect(reply.text == #"{"diagnostics":[]}"#)
        }
    }

    @Test("GET /strategies lists saved scripts after the built-ins, with their inputs as parameters")
    func strategies() async throws {
        try await withTestApplication(configure: fixedClock) { client in
            let before = try await client.call(.get, "/api/v1/strategies").object["strategies"] as? [[String: Any]] ?? []
            try await client.saveScript("Cross", smaCrossScript)
            try await client.saveScript("Broken", brokenSMACrossScript)
            let reply = try await client.call(.get, "/api/v1/strategies")
            let entries = reply.object["strategies"] as? [[String: Any]] ?? []
            #expect(entries.count == before.count + 2)
            // Built-ins are unchanged (no new keys).
            #expect(Set(entries[0].keys) == ["name", "description", "parameters"])
            let scripts = Array(entries.suffix(2))
            #expect(scripts.map { $0["name"] as? String } == ["Broken", "Cross"])
            let cross = try #require(scripts.last)
            let expected = jsonBody([
                "name": "Cross", "description": "Pine strategy \"SMA Cross\" (saved script, version 1)", "kind": "script", "version": 1,
                "compiles": true, "overlay": true, "can_short": false,
                "parameters": [
                    ["name": "fastLength", "type": "int", "default": 10, "min": 1, "max": 200, "description": "Fast length",
                     "choices": NSNull(), "title": "Fast length", "step": NSNull()],
                    ["name": "slowLength", "type": "int", "default": 30, "min": 2, "max": NSNull(), "description": "Slow length",
                     "choices": NSNull(), "title": "Slow length", "step": 5],
                ],
            ])
            #expect(jsonBody(cross) == expected)
            #expect(scripts.first?["compiles"] as? Bool == false)
            #expect((scripts.first?["parameters"] as? [Any])?.isEmpty == true)
        }
    }
}

/// Re-encodes a JSON text with sorted keys (to compare documents whose key order is not fixed).
func normalised(_ text: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
