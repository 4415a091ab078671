/// `ta.obv` (on-balance volume) = `ta.cum(math.sign(ta.change(close)) * volume)`; na on the first
/// bar (no change yet).
struct TAOBV {
    private var change = TAChange(length: 1)
    private var cum = TACum()
    init() {}
    mutating func update(close: Double, volume: Double) -> Double {
        let c = change.update(close)
        if c.isNaN { return .nan }
        let sign: Double = c > 0 ? 1 : (c < 0 ? -1 : 0)
        return cum.update(volume * sign)
    }
}

/// `ta.accdist` (accumulation/distribution) = `cum(((close - low) - (high - close)) / (high - low) * volume)`;
/// a bar whose term is na (e.g. `high == low`) adds nothing.
struct TAAccdist {
    private var ad = 0.0
    init() {}
    mutating func update(high: Double, low: Double, close: Double, volume: Double) -> Double {
        let mfv = ((close - low) - (high - close)) / (high - low) * volume
        if mfv.isFinite { ad += mfv }
        return ad
    }
}

/// `ta.pvi` (positive volume index), starting at 1: when `volume > volume[1]`,
/// `pvi += (close - close[1]) / close[1] * pvi`, else unchanged. The previous close/volume start
/// at 0, so the first bar is 1; a non-finite step (division by 0, na) leaves it unchanged.
struct TAPVI {
    private var prevClose = 0.0, prevVolume = 0.0, value = 1.0
    init() {}
    mutating func update(close: Double, volume: Double) -> Double {
        var next = volume > prevVolume ? value + ((close - prevClose) / prevClose) * value : value
        if !next.isFinite { next = value }
        prevClose = close
        prevVolume = volume
        value = next
        return value
    }
}

/// `ta.nvi` (negative volume index), starting at 1: when `volume < volume[1]`,
/// `nvi += (close - close[1]) / close[1] * nvi`, else unchanged (also unchanged when either close is 0).
struct TANVI {
    private var prevClose = 0.0, prevVolume = 0.0, value = 1.0
    init() {}
    mutating func update(close: Double, volume: Double) -> Double {
        var next = value
        if close != 0 && prevClose != 0 && volume < prevVolume {
            next = value + ((close - prevClose) / prevClose) * value
        }
        if !next.isFinite { next = value }
        prevClose = close
        prevVolume = volume
        value = next
        return value
    }
}

/// `ta.pvt` (price-volume trend) = `cum((close - close[1]) / close[1] * volume)`; na on the first bar.
struct TAPVT {
    private var prevClose = Double.nan
    private var cum = TACum()
    init() {}
    mutating func update(close: Double, volume: Double) -> Double {
        let r = cum.update((close - prevClose) / prevClose * volume)
        prevClose = close
        return r
    }
}

/// `ta.wad` (Williams accumulation/distribution) = `cum(gain)` with
/// `gain = close > close[1] ? close - min(low, close[1]) : close < close[1] ? close - max(high, close[1]) : 0`
/// (0 on the first bar).
struct TAWAD {
    private var prevClose = Double.nan
    private var sum = 0.0
    init() {}
    mutating func update(high: Double, low: Double, close: Double) -> Double {
        let momentum = close - prevClose
        var gain = 0.0
        if momentum > 0 { gain = close - pineMin(low, prevClose) }
        else if momentum < 0 { gain = close - pineMax(high, prevClose) }
        prevClose = close
        if !gain.isNaN { sum += gain }
        return sum
    }
}

/// `ta.wvad` (Williams variable accumulation/distribution) = `(close - open) / (high - low) * volume`
/// (per bar, not cumulative).
struct TAWVAD {
    init() {}
    mutating func update(open: Double, high: Double, low: Double, close: Double, volume: Double) -> Double {
        (close - open) / (high - low) * volume
    }
}

/// `ta.iii` (intraday intensity index) = `(2 * close - high - low) / ((high - low) * volume)`.
struct TAIII {
    init() {}
    mutating func update(high: Double, low: Double, close: Double, volume: Double) -> Double {
        (2 * close - high - low) / ((high - low) * volume)
    }
}

/// `ta.vwap(source, anchor)`: `sum(source * volume) / sum(volume)` since the last bar where `anchor`
/// was true (that bar included); na before the first anchor. The bare `ta.vwap` is
/// `ta.vwap(hlc3, session.isfirstbar)`: the caller passes the anchor.
struct TAVWAP {
    private var sumVolume = 0.0, sumPV = 0.0
    private var anchored = false
    init() {}
    mutating func update(_ source: Double, volume: Double, anchor: Bool) -> Double {
        if source.isNaN { return .nan }
        if anchor {
            sumVolume = volume
            sumPV = source * volume
            anchored = true
        } else if anchored {
            sumVolume += volume
            sumPV += source * volume
        } else {
            return .nan
        }
        return sumPV / sumVolume
    }
}

/// `ta.vwap(source, anchor, stdev_mult)` → `(vwap, upper, lower)`: the anchored VWAP and bands
/// `vwap ± stdev_mult * sqrt(max(0, sum(source² * volume) / sum(volume) - vwap²))` over the same span.
struct TAVWAPBands {
    let stdevMultiplier: Double
    private var sumVolume = 0.0, sumPV = 0.0, sumPPV = 0.0
    private var anchored = false
    init(stdevMultiplier: Double) { self.stdevMultiplier = stdevMultiplier }
    mutating func update(_ source: Double, volume: Double, anchor: Bool) -> (vwap: Double, upper: Double, lower: Double) {
        if source.isNaN { return (.nan, .nan, .nan) }
        if anchor {
            sumVolume = volume
            sumPV = source * volume
            sumPPV = source * source * volume
            anchored = true
        } else if anchored {
            sumVolume += volume
            sumPV += source * volume
            sumPPV += source * source * volume
        } else {
            return (.nan, .nan, .nan)
        }
        let v = sumPV / sumVolume
        if v.isNaN { return (.nan, .nan, .nan) }
        let sd = Swift.max(0, sumPPV / sumVolume - v * v).squareRoot() * stdevMultiplier
        return (v, v + sd, v - sd)
    }
}
