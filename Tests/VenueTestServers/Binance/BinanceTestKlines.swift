/// Generated, deterministic Binance klines (`GET /api/v3/klines`) for the test server, so a
/// sandbox run's history download gets closed candles without any canned file.
///
/// A candle opening at `t` (interval `i`, index `n = t / i`) opens at the market's first price
/// moved by `w(n) = ((n·7919 + 104729) mod 2001 − 1000) / 100 000` (within ±1 %), closes at the
/// next candle's open, and its high/low are 0.05 % beyond those; prices are rounded down to the
/// tick. Only closed candles (close time before the server's now) are served.
enum BinanceTestKlines {
    typealias D = BinanceTestDecimal

    /// Interval spellings Binance accepts, in milliseconds (`1M` is calendar-based and not served).
    static let intervals: [String: Int64] = [
        "1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
        "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
        "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
    ]

    /// Weekly candles open on Monday 00:00 UTC (1970-01-05).
    static func origin(_ interval: Int64) -> Int64 { interval == 604_800_000 ? 345_600_000 : 0 }

    static func openPrice(anchor: D, index: Int64, tick: D) -> D {
        let wiggle = ((index % 1_000_003) * 7919 + 104_729) % 2001 - 1000
        let moved = anchor + anchor * D(mantissa: Int128(wiggle), scale: 5)
        return moved.roundedDown(to: tick)
    }

    /// Binance's row: `[openTime, "open", "high", "low", "close", "volume", closeTime,
    /// "quoteVolume", trades, "takerBuyBase", "takerBuyQuote", "0"]`.
    static func row(anchor: D, tick: D, openTime: Int64, interval: Int64) -> BinanceTestJSON {
        let index = (openTime - origin(interval)) / interval
        let open = openPrice(anchor: anchor, index: index, tick: tick)
        let close = openPrice(anchor: anchor, index: index + 1, tick: tick)
        let high = (max(open, close) + max(open, close) * D(mantissa: 5, scale: 4)).roundedDown(to: tick)
        let low = (min(open, close) - min(open, close) * D(mantissa: 5, scale: 4)).roundedDown(to: tick)
        let volume = D(mantissa: Int128((index % 50 + 1) * 1000 + index % 997), scale: 3)
        let quoteVolume = (volume * close).roundedDown(to: D(mantissa: 1, scale: 8))
        let takerBase = D(mantissa: volume.mantissa / 2, scale: 3)
        let takerQuote = (takerBase * close).roundedDown(to: D(mantissa: 1, scale: 8))
        return .array([
            .int(openTime), .string(open.wire), .string(high.wire), .string(low.wire), .string(close.wire),
            .string(volume.wire), .int(openTime + interval - 1), .string(quoteVolume.wire), .int(index % 100 + 10),
            .string(takerBase.wire), .string(takerQuote.wire), .string("0"),
        ])
    }

    /// The rows for a request, oldest first, like Binance: from the first open time at or after
    /// `startTime` up to `endTime` (inclusive, by open time), at most `limit`; without
    /// `startTime`, the latest `limit` closed candles up to `endTime`.
    static func rows(anchor: D, tick: D, interval: Int64, startTime: Int64?, endTime: Int64?, limit: Int, now: Int64) -> [BinanceTestJSON] {
        let origin = origin(interval)
        func floorOpen(_ t: Int64) -> Int64 {
            let shifted = t - origin
            return (shifted >= 0 ? shifted / interval : (shifted - interval + 1) / interval) * interval + origin
        }
        // The last closed candle opens one interval before the one now is in.
        let lastClosed = floorOpen(now) - interval
        var last = lastClosed
        if let endTime { last = min(last, floorOpen(endTime)) }
        var first: Int64
        if let startTime {
            first = floorOpen(startTime)
            if first < startTime { first += interval }
        } else {
            first = last - Int64(limit - 1) * interval
        }
        guard first <= last else { return [] }
        var rows: [BinanceTestJSON] = []
        var openTime = first
        while openTime <= last, rows.count < limit {
            rows.append(row(anchor: anchor, tick: tick, openTime: openTime, interval: interval))
            openTime += interval
        }
        return rows
    }
}
