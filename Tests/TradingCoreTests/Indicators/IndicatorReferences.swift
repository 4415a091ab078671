import TradingCore

/// Naive reference implementations: textbook formulas, recomputed from the full window at every
/// bar (windowed indicators) or from the start of the series (recursive indicators). Slow and
/// obviously correct; the indicators must agree with them to 1e-9.
enum NaiveIndicators {
    static let nan = Double.nan

    static func mean(_ window: ArraySlice<Double>) -> Double {
        window.reduce(0, +) / Double(window.count)
    }

    /// Population standard deviation, two-pass.
    static func populationStandardDeviation(_ window: ArraySlice<Double>) -> Double {
        let m = mean(window)
        return (window.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(window.count)).squareRoot()
    }

    static func sma(_ x: [Double], _ n: Int) -> [Double] {
        x.indices.map { i in i + 1 >= n ? mean(x[(i + 1 - n)...i]) : nan }
    }

    static func wma(_ x: [Double], _ n: Int) -> [Double] {
        x.indices.map { i in
            guard i + 1 >= n else { return nan }
            var weighted = 0.0
            for (k, v) in x[(i + 1 - n)...i].enumerated() { weighted += Double(k + 1) * v }
            return weighted / Double(n * (n + 1) / 2)
        }
    }

    /// EMA seeded with the SMA of the first n values, then α·x + (1 − α)·previous.
    static func ema(_ x: [Double], _ n: Int) -> [Double] {
        let alpha = 2.0 / Double(n + 1)
        var out = [Double](repeating: nan, count: x.count)
        guard x.count >= n else { return out }
        var previous = mean(x[0..<n])
        out[n - 1] = previous
        for i in n..<x.count {
            previous = alpha * x[i] + (1 - alpha) * previous
            out[i] = previous
        }
        return out
    }

    /// Wilder RSI written as Wilder smoothing = EMA with α = 1/n (a different form than the
    /// indicator's `(avg·(n−1) + x)/n`).
    static func rsi(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: nan, count: x.count)
        guard x.count > n else { return out }
        let gains = x.indices.dropFirst().map { max(x[$0] - x[$0 - 1], 0) }
        let losses = x.indices.dropFirst().map { max(x[$0 - 1] - x[$0], 0) }
        var avgGain = gains[0..<n].reduce(0, +) / Double(n)
        var avgLoss = losses[0..<n].reduce(0, +) / Double(n)
        func rsi() -> Double {
            if avgLoss == 0 { return avgGain == 0 ? 50 : 100 }
            return 100 * avgGain / (avgGain + avgLoss)
        }
        out[n] = rsi()
        for i in (n + 1)..<x.count {
            avgGain += (gains[i - 1] - avgGain) / Double(n)
            avgLoss += (losses[i - 1] - avgLoss) / Double(n)
            out[i] = rsi()
        }
        return out
    }

    /// [macd, signal, histogram] per bar, NaN until the signal exists.
    static func macd(_ x: [Double], fast: Int, slow: Int, signal: Int) -> [[Double]] {
        let fastEMA = ema(x, fast)
        let slowEMA = ema(x, slow)
        let start = max(fast, slow) - 1
        guard start < x.count else { return x.map { _ in [nan, nan, nan] } }
        let line = (start..<x.count).map { fastEMA[$0] - slowEMA[$0] }
        let signalLine = ema(line, signal)
        return x.indices.map { i in
            guard i >= start, !signalLine[i - start].isNaN else { return [nan, nan, nan] }
            let m = line[i - start], s = signalLine[i - start]
            return [m, s, m - s]
        }
    }

    static func trueRanges(_ bars: [Bar]) -> [Double] {
        bars.indices.map { i in
            let b = bars[i]
            guard i > 0 else { return b.high - b.low }
            let pc = bars[i - 1].close
            return max(b.high - b.low, abs(b.high - pc), abs(b.low - pc))
        }
    }

    static func atr(_ bars: [Bar], _ n: Int) -> [Double] {
        let tr = trueRanges(bars)
        var out = [Double](repeating: nan, count: bars.count)
        guard bars.count >= n else { return out }
        var a = mean(tr[0..<n])
        out[n - 1] = a
        for i in n..<bars.count {
            a = (a * Double(n - 1) + tr[i]) / Double(n)
            out[i] = a
        }
        return out
    }

    /// [k, d] per bar, NaN until %D exists.
    static func stochastic(_ bars: [Bar], k kPeriod: Int, d dPeriod: Int) -> [[Double]] {
        let k: [Double] = bars.indices.map { i in
            guard i + 1 >= kPeriod else { return nan }
            let window = bars[(i + 1 - kPeriod)...i]
            let hh = window.map(\.high).max()!
            let ll = window.map(\.low).min()!
            return hh == ll ? 50 : 100 * (bars[i].close - ll) / (hh - ll)
        }
        return bars.indices.map { i in
            guard i + 2 >= kPeriod + dPeriod else { return [nan, nan] }
            return [k[i], mean(k[(i + 1 - dPeriod)...i])]
        }
    }

    /// [middle, upper, lower] per bar.
    static func bollinger(_ x: [Double], _ n: Int, _ width: Double) -> [[Double]] {
        x.indices.map { i in
            guard i + 1 >= n else { return [nan, nan, nan] }
            let window = x[(i + 1 - n)...i]
            let m = mean(window), s = populationStandardDeviation(window)
            return [m, m + width * s, m - width * s]
        }
    }

    static func standardDeviation(_ x: [Double], _ n: Int) -> [Double] {
        x.indices.map { i in i + 1 >= n ? populationStandardDeviation(x[(i + 1 - n)...i]) : nan }
    }

    /// [upper, lower, middle] per bar.
    static func donchian(_ bars: [Bar], _ n: Int) -> [[Double]] {
        bars.indices.map { i in
            guard i + 1 >= n else { return [nan, nan, nan] }
            let window = bars[(i + 1 - n)...i]
            let hh = window.map(\.high).max()!, ll = window.map(\.low).min()!
            return [hh, ll, (hh + ll) / 2]
        }
    }
}
