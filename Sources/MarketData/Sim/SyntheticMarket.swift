import TradingCore

/// Deterministic synthetic OHLCV for one symbol — the price source of the offline `sim` exchange.
///
/// Every value is a pure function of (symbol seed, timeframe, time): there is no cumulative state,
/// so a bar is identical whatever range it was requested in, and generation can start anywhere.
///
/// Model (details and guarantees in `docs/market-data.md`): the log-price at instant `t` is
///
///     log P(t) = log base + Σ_{j=8…13} A_j·N_j(t) + v(t)·(Σ_{j=3…7} A_j·N_j(t) + σ_w·W(t))
///
/// - `N_j` are value-noise octaves (lattice spacing `4^j` seconds: 64 s to about 777 days;
///   smoothstep interpolation between hashed lattice values in [-1, 1]). Amplitudes grow like
///   `2^j` (a Brownian-like spectrum), with extra weight around 4.5 h – 3 d so there are intraday
///   swings and multi-day trends. `W` is hashed white noise standing in for the 1 s – 16 s
///   octaves. `P(t)` does not depend on the timeframe, so opens and closes agree across
///   timeframes.
/// - `v(t)` is a slow (3 d and 12 d octaves) volatility regime in [0.35, 2]; it scales the
///   octaves up to 4.5 h and the white noise. Octaves of 18 h and longer (trends) are unscaled.
/// - A bar `[t0, t1)` has open = P(t0) and close = P(t1), so the open of each bar equals the close
///   of the previous one. High and low extend max/min(open, close) by a hashed excursion
///   proportional to the bar's internal volatility. Volume is proportional to the bar length,
///   `v²` and the size of the bar's move, with hashed noise.
/// - Prices are rounded to 7 significant digits of the symbol's base price (BTC/USDT: cents);
///   volumes to about 6 significant digits of a typical bar. Only IEEE basic operations are used
///   (no libm), so results are bit-identical across platforms.
public struct SyntheticMarket: Sendable, Hashable {
    public let symbol: TradingSymbol
    /// FNV-1a 64 of `"BASE/QUOTE"`.
    public let seed: UInt64
    /// The level prices oscillate around (log-mean), in quote currency.
    public let basePrice: Double
    /// Relative volatility multiplier (1 ≈ BTC-like, about 3 % daily).
    public let volatility: Double
    /// Average traded notional per millisecond, in quote currency.
    let notionalPerMillisecond: Double
    let logBase: Double
    /// Decimal places prices are rounded to (negative: rounded to tens, hundreds…).
    let priceDecimals: Int

    /// Largest number of bars one `bars` call produces.
    public static let maximumBarsPerRequest: Int64 = 10_000_000

    public init(symbol: TradingSymbol) {
        self.symbol = symbol
        let seed = SimHash.fnv1a(symbol.description)
        self.seed = seed
        let profile = Self.profile(symbol: symbol, seed: seed)
        basePrice = profile.price
        volatility = profile.volatility
        notionalPerMillisecond = profile.notionalPerDay / 86_400_000
        logBase = Self.naturalLog(profile.price)
        // 7 significant digits at the base price: decimals = 6 - floor(log10(price)).
        var magnitude = 0
        var p = profile.price
        while p >= 10 { p /= 10; magnitude += 1 }
        while p < 1 { p *= 10; magnitude -= 1 }
        priceDecimals = min(max(6 - magnitude, -8), 12)
    }

    /// Bars whose `openTime` lies in `[start, end)` (ms since the epoch, UTC), aligned to the
    /// timeframe's UTC periods (`PeriodCalendar`). Throws `.invalidDateRange` when `end <= start`,
    /// the range lies outside years 1970–9999, or it would hold more than
    /// `maximumBarsPerRequest` bars.
    public func bars(timeframe: Timeframe, from start: Int64, to end: Int64) throws(TradingError) -> [Bar] {
        guard end > start else {
            throw TradingError(
                code: .invalidDateRange,
                message: "end \(ISO8601Text.format(end)) must be after start \(ISO8601Text.format(start))",
                details: ["start": .number(Double(start)), "end": .number(Double(end))])
        }
        guard start >= 0, end <= Self.latestTime else {
            throw TradingError(
                code: .invalidDateRange,
                message: "the sim exchange generates bars between 1970-01-01 and 9999-12-31",
                details: ["start": .number(Double(start)), "end": .number(Double(end))])
        }
        let count = PeriodCalendar.periodCount(from: start, to: end, timeframe: timeframe)
        guard count <= Self.maximumBarsPerRequest else {
            throw TradingError(
                code: .invalidDateRange,
                message: "the range holds \(count) \(timeframe.rawValue) bars; the sim exchange generates at most \(Self.maximumBarsPerRequest) per request",
                details: ["bars": .number(Double(count)), "maximum": .number(Double(Self.maximumBarsPerRequest))])
        }
        guard count > 0 else { return [] }
        let first = PeriodCalendar.firstPeriodStart(atOrAfter: start, timeframe: timeframe)
        return generate(timeframe: timeframe, firstOpen: first, count: Int(count))
    }

    /// The bar of `timeframe` whose period contains `time`.
    public func bar(timeframe: Timeframe, containing time: Int64) -> Bar {
        let open = PeriodCalendar.periodStart(containing: time, timeframe: timeframe)
        return generate(timeframe: timeframe, firstOpen: open, count: 1)[0]
    }

    static let latestTime: Int64 = 253_402_300_800_000  // 10000-01-01T00:00:00Z

    // MARK: - Generator

    static let octaveCount = 14
    /// Octaves at or below this index (≤ 4.5 h) are scaled by the volatility regime.
    static let lastRegimeScaledOctave = 7
    /// Per-octave weights on the 2^j amplitude spectrum.
    static let octaveWeights: [Double] = [1, 1, 1, 1, 1, 1, 1.2, 1.4, 1.25, 1.15, 1.0, 0.85, 0.7, 0.5]
    /// Amplitude of octave 0 (log units) for volatility 1.
    static let baseAmplitude = 1.1e-4
    /// Octaves below this index (1 s, 4 s, 16 s) are replaced by white noise.
    static let firstEvaluatedOctave = 3
    /// Variance of smoothstep value noise relative to its squared amplitude (about 1/3 · 0.7),
    /// used to size the white noise and the intrabar range.
    static let valueNoiseVarianceFactor = 0.25

    struct Octave {
        var length: Int64
        var inverseLength: Double
        var amplitude: Double
        var stream: UInt64
        var cell: Int64 = 0
        var offset: Int64 = 0
        var a: Double = 0
        var b: Double = 0

        init(length: Int64, amplitude: Double, stream: UInt64) {
            self.length = length
            self.inverseLength = 1 / Double(length)
            self.amplitude = amplitude
            self.stream = stream
        }

        @inline(__always)
        mutating func seek(_ time: Int64) {
            cell = PeriodCalendar.floorDivide(time, length)
            offset = time - cell * length
            a = SimHash.signedUnit(SimHash.hash(stream, cell))
            b = SimHash.signedUnit(SimHash.hash(stream, cell &+ 1))
        }

        @inline(__always)
        mutating func advance(by step: Int64) {
            offset += step
            if offset >= length {
                if offset < 2 * length {
                    cell += 1
                    offset -= length
                    a = b
                    b = SimHash.signedUnit(SimHash.hash(stream, cell &+ 1))
                } else {
                    let cells = offset / length
                    cell += cells
                    offset -= cells * length
                    a = SimHash.signedUnit(SimHash.hash(stream, cell))
                    b = SimHash.signedUnit(SimHash.hash(stream, cell &+ 1))
                }
            }
        }

        @inline(__always)
        var value: Double {
            let u = Double(offset) * inverseLength
            let s = u * u * (3 - 2 * u)
            return amplitude * (a + (b - a) * s)
        }
    }

    func generate(timeframe: Timeframe, firstOpen: Int64, count: Int) -> [Bar] {
        let period = timeframe.milliseconds
        let timeframeIndex = UInt64(Timeframe.allCases.firstIndex(of: timeframe)!)
        let amplitudeScale = Self.baseAmplitude * volatility

        // The price octaves (64 s … 777 d), regime-scaled ones first. They do not depend on the
        // timeframe, so P(t) is the same function of time for every timeframe.
        var octaves: [Octave] = []
        var barVariance = 0.0
        var length: Int64 = 1000
        var amplitude = amplitudeScale
        for j in 0..<Self.octaveCount {
            let a = amplitude * Self.octaveWeights[j]
            if length < period { barVariance += a * a }
            if j >= Self.firstEvaluatedOctave {
                octaves.append(Octave(length: length, amplitude: a, stream: SimHash.mix(seed ^ (0x5052_4943_4500 &+ UInt64(j)))))
            }
            length *= 4
            amplitude *= 2
        }
        let scaledCount = Self.lastRegimeScaledOctave - Self.firstEvaluatedOctave + 1
        // Octaves 0…2 (1 s – 16 s) are replaced by white noise of the same variance at each instant.
        var whiteVariance = 0.0
        for j in 0..<Self.firstEvaluatedOctave {
            let a = amplitudeScale * Double(1 << j) * Self.octaveWeights[j]
            whiteVariance += a * a
        }
        let whiteSigma = (whiteVariance * Self.valueNoiseVarianceFactor).squareRoot()
        // Typical size of the moves inside one bar (octaves shorter than the bar), for high/low.
        let barSigma = ((barVariance + amplitudeScale * amplitudeScale) * Self.valueNoiseVarianceFactor).squareRoot()
        octaves.append(Octave(length: 1000 << 18, amplitude: 0.65, stream: SimHash.mix(seed ^ 0x5245_4749_4D45_0001)))
        octaves.append(Octave(length: 1000 << 20, amplitude: 0.35, stream: SimHash.mix(seed ^ 0x5245_4749_4D45_0002)))
        let priceOctaveCount = octaves.count - 2
        let whiteStream = SimHash.mix(seed ^ 0x5748_4954_4500)
        let barStream = SimHash.mix(seed ^ (0x4241_5200 &+ timeframeIndex))

        // Rounding.
        let priceScale = Self.exactPowerOfTen(priceDecimals)
        let priceDivides = priceDecimals >= 0
        let nominalVolume = notionalPerMillisecond * Double(period) / basePrice
        var volumeDecimals = 0
        var typical = nominalVolume
        while typical >= 10, volumeDecimals > -8 { typical /= 10; volumeDecimals -= 1 }
        while typical < 1, volumeDecimals < 12 { typical *= 10; volumeDecimals += 1 }
        volumeDecimals = min(volumeDecimals + 5, 10)
        let volumeScale = Self.exactPowerOfTen(volumeDecimals)
        let volumeDivides = volumeDecimals >= 0
        let minimumVolume = volumeDivides ? 1 / volumeScale : volumeScale
        let logBase = self.logBase
        let calendarMonths = timeframe == .oneMonth

        return octaves.withUnsafeMutableBufferPointer { octaves in
            // The rounded price and the volatility regime at `time`, octaves positioned at `time`.
            @inline(__always) func evaluate(_ time: Int64) -> (price: Double, regime: Double) {
                let r = 0.5 + 0.5 * (octaves[priceOctaveCount].value + octaves[priceOctaveCount + 1].value)
                let regime = 0.35 + 1.65 * r * r
                var fast = whiteSigma * SimHash.gaussian(SimHash.hash(whiteStream, time))
                for i in 0..<scaledCount { fast += octaves[i].value }
                var slow = 0.0
                for i in scaledCount..<priceOctaveCount { slow += octaves[i].value }
                let price = DeterministicMath.exp(logBase + slow + regime * fast)
                let rounded = priceDivides ? DeterministicMath.roundToInteger(price * priceScale) / priceScale : DeterministicMath.roundToInteger(price / priceScale) * priceScale
                return (rounded, regime)
            }

            var time = firstOpen
            var step = period
            for i in octaves.indices { octaves[i].seek(time) }
            var current = evaluate(time)
            return [Bar](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                if calendarMonths { step = PeriodCalendar.nextPeriodStart(after: time, timeframe: .oneMonth) - time }
                let next = time + step
                for i in octaves.indices { octaves[i].advance(by: step) }
                let after = evaluate(next)
                let open = current.price
                let close = after.price

                let h = SimHash.hash(barStream, time)
                let u1 = Double(h & 0xFFFF) * 0x1p-16
                let u2 = Double((h >> 16) & 0xFFFF) * 0x1p-16
                let u3 = Double((h >> 32) & 0xFFFF) * 0x1p-16
                let regime = current.regime
                let sigma = barSigma * regime
                let top = max(open, close)
                let bottom = min(open, close)
                let rawHigh = top * (1 + sigma * (0.1 + 1.2 * u1 * u1))
                let rawLow = bottom / (1 + sigma * (0.1 + 1.2 * u2 * u2))
                let high = priceDivides ? DeterministicMath.roundToInteger(rawHigh * priceScale) / priceScale : DeterministicMath.roundToInteger(rawHigh / priceScale) * priceScale
                var low = priceDivides ? DeterministicMath.roundToInteger(rawLow * priceScale) / priceScale : DeterministicMath.roundToInteger(rawLow / priceScale) * priceScale
                if !(low > 0) { low = bottom }
                let move = abs(close - open) / (open * (sigma + 1e-9))
                var volume = nominalVolume * Double(step) / Double(period) * regime * regime
                    * (0.45 + 0.35 * min(move, 4)) * (0.6 + 0.8 * u3)
                volume = volumeDivides ? DeterministicMath.roundToInteger(volume * volumeScale) / volumeScale : DeterministicMath.roundToInteger(volume / volumeScale) * volumeScale
                if volume < minimumVolume { volume = minimumVolume }
                (buffer.baseAddress! + index).initialize(to: Bar(openTime: time, open: open, high: high, low: low, close: close, volume: volume))
                initialized = index + 1

                time = next
                current = after
            }
            }
        }
    }

    // MARK: - Symbol profiles

    static let usdQuotes: Set<String> = ["USDT", "USDC", "USD", "BUSD", "FDUSD", "TUSD", "DAI", "USDP"]
    /// Reference levels (USD), daily notional (USD) and relative volatility of well-known assets.
    static let knownAssets: [String: (price: Double, notional: Double, volatility: Double)] = [
        "BTC": (42_000, 1.5e9, 1.0),
        "ETH": (2_300, 8e8, 1.2),
        "BNB": (310, 1e8, 1.1),
        "SOL": (95, 3e8, 1.6),
        "XRP": (0.55, 2e8, 1.4),
        "ADA": (0.5, 8e7, 1.4),
        "DOGE": (0.08, 1.5e8, 1.7),
        "AVAX": (35, 6e7, 1.6),
        "DOT": (7, 4e7, 1.4),
        "LINK": (14, 5e7, 1.5),
        "LTC": (70, 5e7, 1.2),
        "TRX": (0.11, 4e7, 0.9),
    ]

    static func profile(symbol: TradingSymbol, seed: UInt64) -> (price: Double, notionalPerDay: Double, volatility: Double) {
        let h1 = SimHash.mix(seed ^ 0x5052_4F46_494C_4531)
        let h2 = SimHash.mix(h1)
        let h3 = SimHash.mix(h2)
        let base = symbol.base
        let quote = symbol.quote
        if usdQuotes.contains(base), usdQuotes.contains(quote) {
            return (1.0, 2e8, 0.01)
        }
        let stable: (price: Double, notional: Double, volatility: Double) = (1.0, 1e9, 0.01)
        let baseInfo = usdQuotes.contains(base) ? stable : knownAssets[base]
        let quoteInfo = usdQuotes.contains(quote) ? stable : knownAssets[quote]
        if let baseInfo, let quoteInfo {
            if usdQuotes.contains(quote) {
                return (baseInfo.price, baseInfo.notional, baseInfo.volatility)
            }
            // A cross such as ETH/BTC: notional converted to the quote currency.
            let notional = min(baseInfo.notional, quoteInfo.notional) / 4 / quoteInfo.price
            return (baseInfo.price / quoteInfo.price, notional, 0.8 * max(baseInfo.volatility, quoteInfo.volatility))
        }
        // Unknown: a price m × 10^e with m in [1, 10) (two decimals) and e in -3…3, chosen by the seed.
        let mantissa = 1 + Double(h1 % 900) / 100
        let exponent = Int(h2 % 7) - 3
        var price = mantissa
        if exponent >= 0 { price *= exactPowerOfTen(exponent) } else { price /= exactPowerOfTen(-exponent) }
        let notional = 1e6 * Double(1 + h3 % 300)
        let volatility = 0.8 + Double((h3 >> 20) % 1000) / 1000
        return (price, notional, volatility)
    }

    static func exactPowerOfTen(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(exponent) { value *= 10 }
        return value
    }

    /// Natural log from basic operations only (setup time, not in the hot loop): range-reduce
    /// by powers of two, then the atanh series.
    static func naturalLog(_ x: Double) -> Double {
        precondition(x > 0)
        var m = x
        var k = 0
        while m >= 1.5 { m /= 2; k += 1 }
        while m < 0.75 { m *= 2; k -= 1 }
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        var n = 1.0
        for _ in 0..<30 {
            sum += term / n
            term *= z2
            n += 2
        }
        return 2 * sum + Double(k) * 0.6931471805599453
    }
}
