@testable import PineScript

/// Per-bar anchors for the exports that need the FX session calendar (`TASessionCalendar.forex`:
/// the trading day starts 17:00 America/New_York; 240/360-minute periods count from there).
enum TASessionAnchors {
    /// `timeframe.change(tf)` per bar (false on bar 0).
    static func change(_ times: [Double], minutes: Int) -> [Bool] {
        var tc = TATimeframeChange(calendar: .forex, unit: .minutes(minutes))
        return times.map { tc.update(time: Int($0)) }
    }

    /// `session.isfirstbar` per bar: first bar of the data or of a new trading day.
    static func sessionFirstBar(_ times: [Double]) -> [Bool] {
        var out = change(times, minutes: 1440)
        if !out.isEmpty { out[0] = true }
        return out
    }
}
