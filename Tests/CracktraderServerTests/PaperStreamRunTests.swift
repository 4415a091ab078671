import AsyncHTTPClient
import CracktraderServer
import DataAccess
import Foundation
import Hummingbird
import Logging
import MarketData
import HummingbirdTesting
import Testing
import VenueTestServers

/// A paper run through the HTTP API on a local Binance server whose kline stream is on: the bars
/// come from the stream (no REST kline request), are the venue's candles, and the run completes.
@Suite("Paper run on a venue's candle stream")
struct PaperStreamRunTests {
    @Test("a paper run fed by the Binance kline stream: 3 bars from the stream, no REST polling, simulated fill")
    func paperOnStream() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let venue = BinanceTestServer()
        venue.setMarketStream(enabled: true)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await httpClient.shutdown() } }
        try await venue.run { baseURL in
            var configuration = ServerConfiguration(port: 0, dataDirectory: directory.path + "/data", logLevel: .critical)
            configuration.runner = RunnerOptions(
                makeDataResolver: { store in DataResolver(store: store, httpClient: httpClient, baseURLs: ["binance": baseURL]) },
                environment: { _ in nil })
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let body = #"{"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1s","exchange":"binance","mode":"paper","max_bars":3}"#
                let start = try await client.call(.post, "/api/v1/run/live", json: body)
                #expect(start.status == .ok, "\(start.text)")
                let runID = try #require(start.object["run_id"] as? String)
                let final = try await client.waitForStatus(["completed", "failed", "stopped"], timeout: .seconds(30))
                #expect(final["status"] as? String == "completed")
                let stored = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
                #expect(stored["bars_processed"] as? Int == 3)
                let orders = stored["orders"] as? [[String: Any]] ?? []
                #expect(orders.count == 1)
                #expect(orders.first?["status"] as? String == "filled")
                // The stream brought every bar: one connection, no kline polling, nothing signed.
                #expect(venue.marketStreamConnections == 1)
                // When the first connection is slow (a loaded test run), the stream's first candle
                // is a later period than the run's first bar, and that one bar is filled from REST
                // (the documented gap fill); every later bar must come from the stream.
                let firstBar = try #require(stored["data_start"] as? String)
                let firstBarMs = try #require(ISO8601Text.parse(firstBar))
                let polled = venue.requests("GET", "/api/v3/klines")
                #expect(polled.count <= 1)
                for request in polled { #expect(request.parameters["startTime"] == String(firstBarMs), "\(request.rawQuery)") }
                #expect(venue.requests("POST", "/api/v3/order").isEmpty)
            }
        }
    }
}
