import CracktraderServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Foundation
import Testing
import VenueTestServers

/// A strategy that is long from each bar whose index is a multiple of 4 to the second bar after:
/// on a venue it must send exactly a market BUY of 0.01 then a market SELL of 0.01, again and again.
let venueCycleScript = """
//@version=5
strategy("Venue Cycle", overlay=true, initial_capital=10000, default_qty_type=strategy.fixed, default_qty_value=0.01, max_bars_back=12)
plot(close, "Close")
if bar_index % 4 == 0
    strategy.entry("Long", strategy.long)
if bar_index % 4 == 2
    strategy.close("Long")
"""

/// Pine scripts in sandbox runs, through the HTTP API against the local Binance testnet server
/// (which checks every signature as Binance documents it).
@Suite("Pine scripts on a venue: the script's position becomes market orders, committed, sent once, filled")
struct ScriptSandboxRunTests {
    static func body(_ baseURL: String, script: String) -> String {
        #"{"strategy_name":"\#(script)","symbols":["BTC/USDT"],"timeframe":"1s","exchange":"binance","mode":"live","exchange_config":{"sandbox":true,"base_url":"\#(baseURL)"}}"#
    }

    @Test("a script sandbox run: warmed up on the testnet's candles, BUY 0.01 then SELL 0.01 as market orders, booked from the venue's fills")
    func scriptSandboxRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        try await venue.run { baseURL in
            try await SandboxRunTests.withServer(dataDirectory: directory.path + "/data") { client in
                try await client.saveScript("Venue Cycle", venueCycleScript)
                let start = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL, script: "Venue Cycle"))
                #expect(start.status == .ok, "\(start.text)")
                let runID = try #require(start.object["run_id"] as? String)
                #expect(start.object["message"] as? String == "sandbox run on the binance testnet started")

                // Within at most 7 one-second bars the script has been long once and flat again.
                let document = try await SandboxRunTests.waitForRun(client, runID, timeout: .seconds(30)) { document in
                    let orders = SandboxRunTests.list(document["orders"])
                    return orders.count >= 2 && orders.prefix(2).allSatisfy { $0["status"] as? String == "filled" }
                }
                let stop = try await client.call(.post, "/api/v1/run/stop")
                #expect(stop.status == .ok)

                // The warm-up history came from the testnet's candles, nothing from anywhere else.
                #expect(!venue.requests("GET", "/api/v3/klines").isEmpty)
                let places = venue.requests("POST", "/api/v3/order")
                #expect(places.count >= 2)
                let (buy, sell) = (try #require(places.first), try #require(places.dropFirst().first))
                #expect(buy.parameters["side"] == "BUY")
                #expect(buy.parameters["type"] == "MARKET")
                #expect(buy.parameters["quantity"] == "0.01")
                #expect(buy.parameters["newClientOrderId"] == "ct\(runID)1")
                #expect(sell.parameters["side"] == "SELL")
                #expect(sell.parameters["type"] == "MARKET")
                #expect(sell.parameters["quantity"] == "0.01")
                #expect(sell.parameters["newClientOrderId"] == "ct\(runID)2")

                // Booked from the venue's fills (at its price, 30,000; 0.1 % commission).
                let orders = SandboxRunTests.list(document["orders"])
                #expect(orders.prefix(2).map { $0["side"] as? String } == ["buy", "sell"])
                #expect(orders.prefix(2).map { $0["filled_quantity"] as? Double } == [0.01, 0.01])
                #expect(orders.prefix(2).map { $0["average_fill_price"] as? Double } == [30_000, 30_000])
                let fills = SandboxRunTests.list(document["fills"])
                #expect(fills.prefix(2).map { $0["quantity"] as? Double } == [0.01, 0.01])
                #expect(fills.prefix(2).map { $0["price"] as? Double } == [30_000, 30_000])

                // The stored run records the script version it ran and the script's plot.
                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                #expect(stored["mode"] as? String == "sandbox")
                let script = try #require(stored["script"] as? [String: Any])
                #expect(script["source"] as? String == venueCycleScript)
                #expect(script["version"] as? Int == 1)
                let plots = try #require(stored["plots"] as? [[String: Any]])
                #expect(plots.map { $0["title"] as? String } == ["Close"])
            }
        }
    }

    @Test("refused on a venue: a script that can go short, and an indicator")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        try await venue.run { baseURL in
            try await SandboxRunTests.withServer(dataDirectory: directory.path + "/data") { client in
                try await client.saveScript("Flip", reversalScript)
                try await client.saveScript("Just Plot", "//@version=5\nindicator(\"Just Plot\")\nplot(close)\n")
                let short = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL, script: "Flip"))
                #expect(short.status == .unprocessableContent)
                #expect(short.text == envelope(
                    code: "SHORT_NOT_ALLOWED",
                    message: "script 'Flip' can open a short position (it uses strategy.short), and Binance is a spot venue; add strategy.risk.allow_entry_in(strategy.direction.long) or run it as a backtest",
                    details: #"{"exchange":"binance","script":"Flip"}"#))
                let indicator = try await client.call(.post, "/api/v1/run/live", json: Self.body(baseURL, script: "Just Plot"))
                #expect(indicator.status == .unprocessableContent)
                #expect(indicator.text == envelope(
                    code: "VALIDATION_ERROR",
                    message: "script 'Just Plot' is an indicator: only a strategy() script can trade in a sandbox or live run",
                    details: #"{"fields":{"strategy_name":"must name a strategy() script for mode \"live\""}}"#))
                // Nothing reached the venue's order endpoint.
                #expect(venue.requests("POST", "/api/v3/order").isEmpty)
                #expect(try await client.call(.get, "/api/v1/status").object["status"] as? String == "idle")
            }
        }
    }
}
