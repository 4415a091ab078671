import CracktraderServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Risk guards of `POST /run/live`, enforced by paper runs before an order can work.
@Suite("Risk guards in paper runs")
struct RiskGuardTests {
    @Test("max_order_notional: an order over it is rejected with the reason, journaled and echoed; the run completes")
    func maxOrderNotional() async throws {
        try await withTestApplication { client in
            let start = try await client.call(.post, "/api/v1/run/live", json: #"""
                {"strategy_name":"BuyAndHold","symbols":["BTC/USDT"],"timeframe":"1m","mode":"paper","speed":60000,"max_bars":3,"max_order_notional":100}
                """#)
            #expect(start.status == .ok)
            let runID = try #require(start.object["run_id"] as? String)
            try await client.waitForStatus(["completed"])
            let results = try await client.call(.get, "/api/v1/runs/\(runID)?max_points=0").object
            let orders = results["orders"] as? [[String: Any]] ?? []
            #expect(orders.count == 1)
            #expect(orders.first?["status"] as? String == "rejected")
            #expect(orders.first?["reason"] as? String == "risk: order notional 10000.0 exceeds max_order_notional 100.0")
            #expect((results["fills"] as? [Any])?.isEmpty == true)
            let config = results["config"] as? [String: Any] ?? [:]
            #expect(config["max_order_notional"] as? Int == 100)
            #expect(config["max_position_notional"] is NSNull)
            #expect(config["max_daily_loss"] is NSNull)
        }
    }
}
