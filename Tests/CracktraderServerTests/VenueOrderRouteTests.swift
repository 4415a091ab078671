import AsyncHTTPClient
import CracktraderServer
import DataAccess
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import Testing
import VenueTestServers

/// `POST /api/v1/run/orders/{client_order_id}/cancel` (one order of the running sandbox/live run)
/// and `POST /api/v1/runs/{id}/open-orders/keep` (the user's "leave them" after a crash).
@Suite("Venue order routes: cancel one order, keep interrupted orders")
struct VenueOrderRouteTests {
    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    @Test("cancel one order: 409 NO_VENUE_RUN with no run; 202 for an open order, which the venue cancels; 404 for an unknown id; 409 ORDER_NOT_OPEN once it is cancelled")
    func cancelOneOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        // The market buy rests on the venue until cancelled.
        venue.setMarketOrdersRest(true)
        try await venue.run { baseURL in
            try await SandboxRunTests.withServer(dataDirectory: directory.path + "/data") { client in
                let idle = try await client.call(.post, "/api/v1/run/orders/ctabc1/cancel")
                #expect(idle.status == .conflict)
                #expect(idle.errorCode == "NO_VENUE_RUN")
                #expect(idle.errorMessage == "no sandbox or live run is running; only their orders can be cancelled here")

                let start = try await client.call(.post, "/api/v1/run/live", json: SandboxRunTests.body(baseURL))
                #expect(start.status == .ok, "\(start.text)")
                let runID = try #require(start.object["run_id"] as? String)
                let clientOrderId = "ct\(runID)1"
                _ = try await SandboxRunTests.waitForRun(client, runID) { document in
                    Self.list(document["orders"]).first?["status"] as? String == "accepted"
                }

                let unknown = "ct\(runID)99"
                let missing = try await client.call(.post, "/api/v1/run/orders/\(unknown)/cancel")
                #expect(missing.status == .notFound)
                #expect(missing.errorCode == "ORDER_NOT_FOUND")
                #expect(missing.errorMessage == "the running run has no order \(unknown)")
                #expect(missing.errorDetails["client_order_id"] as? String == unknown)
                let foreign = try await client.call(.post, "/api/v1/run/orders/somebodyElse7/cancel")
                #expect(foreign.status == .notFound)
                #expect(foreign.errorCode == "ORDER_NOT_FOUND")

                let cancel = try await client.call(.post, "/api/v1/run/orders/\(clientOrderId)/cancel")
                #expect(cancel.status == .accepted, "\(cancel.text)")
                #expect(NSDictionary(dictionary: cancel.object) == NSDictionary(dictionary: [
                    "run_id": runID, "status": "cancel_requested", "message": "cancel of \(clientOrderId) sent to the venue",
                ]))
                let document = try await SandboxRunTests.waitForRun(client, runID) { document in
                    Self.list(document["orders"]).first?["status"] as? String == "cancelled"
                }
                #expect(Self.list(document["orders"]).count == 1)
                #expect(venue.requests("DELETE", "/api/v3/order").map { $0.parameters["origClientOrderId"] } == [clientOrderId])

                let again = try await client.call(.post, "/api/v1/run/orders/\(clientOrderId)/cancel")
                #expect(again.status == .conflict)
                #expect(again.errorCode == "ORDER_NOT_OPEN")
                #expect(again.errorDetails["order_status"] as? String == "cancelled")
                // Nothing more reached the venue.
                #expect(venue.requests("DELETE", "/api/v3/order").count == 1)

                let stop = try await client.call(.post, "/api/v1/run/stop")
                #expect(stop.status == .ok)
                #expect(stop.object["cancelled_orders"] as? [String] == [])
                let stopped = try await client.call(.post, "/api/v1/run/orders/\(clientOrderId)/cancel")
                #expect(stopped.status == .conflict)
                #expect(stopped.errorCode == "NO_VENUE_RUN")
            }
        }
    }

    @Test("cancel one order of a paper run is refused: 409 NO_VENUE_RUN")
    func paperRunHasNoVenueOrders() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try await SandboxRunTests.withServer(dataDirectory: directory.path + "/data") { client in
            let body = #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1m","exchange":"sim","mode":"paper","speed":1000}"#
            let start = try await client.call(.post, "/api/v1/run/live", json: body)
            #expect(start.status == .ok, "\(start.text)")
            let runID = try #require(start.object["run_id"] as? String)
            let refused = try await client.call(.post, "/api/v1/run/orders/ct\(runID)1/cancel")
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "NO_VENUE_RUN")
            _ = try await client.call(.post, "/api/v1/run/stop")
        }
    }

    @Test("keep: 404 RUN_NOT_FOUND for an unknown run, 409 NOT_INTERRUPTED for a run that was not interrupted")
    func keepRefusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try await SandboxRunTests.withServer(dataDirectory: directory.path + "/data") { client in
            let unknown = try await client.call(.post, "/api/v1/runs/nosuchrun/open-orders/keep")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "RUN_NOT_FOUND")
            #expect(unknown.errorDetails["run_id"] as? String == "nosuchrun")

            let body = #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1m","exchange":"sim","mode":"paper","speed":1000,"max_bars":2}"#
            let start = try await client.call(.post, "/api/v1/run/live", json: body)
            let runID = try #require(start.object["run_id"] as? String)
            _ = try await client.waitForStatus(["completed", "failed", "stopped"])
            let notInterrupted = try await client.call(.post, "/api/v1/runs/\(runID)/open-orders/keep")
            #expect(notInterrupted.status == .conflict)
            #expect(notInterrupted.errorCode == "NOT_INTERRUPTED")
            #expect(notInterrupted.errorDetails["run_id"] as? String == runID)
        }
    }

    @Test("kill -9 with two orders open; after reconciliation, keep leaves them on the venue (nothing cancelled), answers the decision, and a second decision is 409 DECISION_MADE")
    func keepAfterCrash() async throws {
        guard let binary = CracktraderBinary.path else {
            print("VenueOrderRouteTests.keepAfterCrash skipped: no built .build/debug/cracktrader binary")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dataDirectory = directory.path + "/data"
        let venue = BinanceTestServer()
        venue.setMarketOrdersRest(true)
        let environment = [
            "CRACKTRADER_BINANCE_API_KEY": BinanceTestServer.defaultAPIKey,
            "CRACKTRADER_BINANCE_SECRET": BinanceTestServer.defaultSecret,
        ]
        try await venue.run { baseURL in
            let server = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory, online: true, environment: environment)
            defer { server.kill() }
            let body = #"{"strategy_name":"BuyAndHold","strategy_params":{"stake":0.5},"symbols":["BTC/USDT","ETH/USDT"],"timeframe":"1s","exchange":"binance","mode":"live","exchange_config":{"sandbox":true,"base_url":"\#(baseURL)"}}"#
            let start = try await server.call("POST", "/api/v1/run/live", body: body)
            #expect(start.status == 200, "\(start.text)")
            let runID = try #require(start.object["run_id"] as? String)
            var open: [[String: Any]] = []
            while open.count < 2 {
                let document = try await server.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
                open = Self.list(document["orders"]).filter { $0["status"] as? String == "accepted" }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.kill()
            let ids = open.compactMap { $0["client_order_id"] as? String }.sorted()

            let restarted = try await CracktraderBinary.serve(binary: binary, dataDirectory: dataDirectory, online: true, environment: environment)
            defer { restarted.kill() }
            var reconciliation: [String: Any] = [:]
            while reconciliation.isEmpty {
                let stored = try await restarted.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
                reconciliation = stored["reconciliation"] as? [String: Any] ?? [:]
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(reconciliation["status"] as? String == "reconciled")
            #expect(Self.list(reconciliation["open_orders"]).compactMap { $0["client_order_id"] as? String }.sorted() == ids)

            let kept = try await restarted.call("POST", "/api/v1/runs/\(runID)/open-orders/keep")
            #expect(kept.status == 200, "\(kept.text)")
            #expect(kept.object["decision"] as? String == "kept")
            #expect(kept.object["status"] as? String == "reconciled")
            #expect(kept.object["message"] as? String == "2 order(s) left working on binance; Cracktrader no longer tracks them")
            #expect(kept.object["decided_at"] is String)
            #expect(Self.list(kept.object["open_orders"]).compactMap { $0["client_order_id"] as? String }.sorted() == ids)
            // Nothing was cancelled on the venue; the orders still rest there.
            #expect(venue.requests("DELETE", "/api/v3/order").isEmpty)
            #expect(Self.list(try await restarted.call("GET", "/api/v1/status").object["interrupted_runs"]).isEmpty)
            let stored = try await restarted.call("GET", "/api/v1/runs/\(runID)?max_points=0").object
            #expect((stored["reconciliation"] as? [String: Any])?["decision"] as? String == "kept")

            for route in ["keep", "cancel"] {
                let again = try await restarted.call("POST", "/api/v1/runs/\(runID)/open-orders/\(route)")
                #expect(again.status == 409)
                #expect(((again.object["error"] as? [String: Any])?["code"]) as? String == "DECISION_MADE")
                #expect((((again.object["error"] as? [String: Any])?["details"]) as? [String: Any])?["decision"] as? String == "kept")
            }
            #expect(venue.requests("DELETE", "/api/v3/order").isEmpty)
        }
    }
}

extension JSONReply {
    /// `error.message` of an error envelope.
    var errorMessage: String? { (object["error"] as? [String: Any])?["message"] as? String }
}
