import HTTPTypes
import CracktraderServer
import Foundation
import HummingbirdTesting

/// A moving-average cross with two inputs and two plots (long only).
let smaCrossScript = """
//@version=5
strategy("SMA Cross", overlay=true, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=50)
fastLength = input.int(10, "Fast length", minval=1, maxval=200)
slowLength = input.int(30, "Slow length", minval=2, step=5)
fast = ta.sma(close, fastLength)
slow = ta.sma(close, slowLength)
plot(fast, "Fast SMA")
plot(slow, "Slow SMA")
if ta.crossover(fast, slow)
    strategy.entry("Long", strategy.long)
if ta.crossunder(fast, slow)
    strategy.close("Long", comment="Exit")
"""

/// The same script with a typo on line 5 (`clsoe`).
let brokenSMACrossScript = smaCrossScript.replacingOccurrences(of: "fast = ta.sma(close, fastLength)", with: "fast = ta.sma(clsoe, fastLength)")

/// A script that reverses long/short (it can go short).
let reversalScript = """
//@version=5
strategy("Reversal", overlay=false)
length = input.int(14, "Length", minval=2)
r = ta.rsi(close, length)
plot(r, "RSI")
if ta.crossover(r, 30)
    strategy.entry("L", strategy.long)
if ta.crossunder(r, 70)
    strategy.entry("S", strategy.short)
"""

func jsonBody(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

extension TestClientProtocol {
    /// Saves a script through the API (201 expected).
    @discardableResult
    func saveScript(_ name: String, _ source: String) async throws -> JSONReply {
        let reply = try await call(.post, "/api/v1/scripts", json: jsonBody(["name": name, "source": source]))
        guard reply.status == .created else { throw TestFailure("saving \(name): \(reply.status) \(reply.text)") }
        return reply
    }
}
