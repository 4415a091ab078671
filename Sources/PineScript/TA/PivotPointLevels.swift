/// The eleven levels of `ta.pivot_point_levels`, in Pine's array order
/// `[P, R1, S1, R2, S2, R3, S3, R4, S4, R5, S5]`; levels a type does not define are na.
struct TAPivotLevels: Equatable {
    var p = Double.nan, r1 = Double.nan, s1 = Double.nan, r2 = Double.nan, s2 = Double.nan
    var r3 = Double.nan, s3 = Double.nan, r4 = Double.nan, s4 = Double.nan, r5 = Double.nan, s5 = Double.nan
    static let count = 11
    subscript(i: Int) -> Double {
        switch i {
        case 0: p
        case 1: r1
        case 2: s1
        case 3: r2
        case 4: s2
        case 5: r3
        case 6: s3
        case 7: r4
        case 8: s4
        case 9: r5
        case 10: s5
        default: .nan
        }
    }
    static func == (a: TAPivotLevels, b: TAPivotLevels) -> Bool {
        (0..<count).allSatisfy { a[$0] == b[$0] || (a[$0].isNaN && b[$0].isNaN) }
    }
}

/// `ta.pivot_point_levels(type, anchor, developing = false)`.
///
/// Periods are delimited by `anchor` (e.g. `timeframe.change("D")`): on an anchor bar the period
/// that just ended (its high, low, open and last close `close[1]`) becomes the basis, and the levels
/// hold until the next anchor. Before the first anchor every level is na; the first period starts
/// at the first bar. With `developing` the levels are recomputed every bar from the current, still
/// open period (high/low/open so far and the current close).
///
/// With `H, L, C` the basis and `R = H - L`:
/// - Traditional: `P = (H+L+C)/3`, `R1 = 2P-L`, `S1 = 2P-H`, `R2 = P+R`, `S2 = P-R`, `R3 = 2P+(H-2L)`,
///   `S3 = 2P-(2H-L)`, `R4 = 3P+(H-3L)`, `S4 = 3P-(3H-L)`, `R5 = 4P+(H-4L)`, `S5 = 4P-(4H-L)`.
/// - Fibonacci: `P = (H+L+C)/3`, `R/S1..3 = P ± 0.382R, 0.618R, 1.000R`.
/// - Woodie: `P = (H+L+2·O)/4` with `O` the open of the new period (current close when developing),
///   `R1 = 2P-L`, `S1 = 2P-H`, `R2 = P+R`, `S2 = P-R`, `R3 = H+2(P-L)`, `S3 = L-2(H-P)`, `R4 = R3+R`, `S4 = S3-R`.
/// - Classic: `P = (H+L+C)/3`, `R1 = 2P-L`, `S1 = 2P-H`, `R/S2..4 = P ± R, 2R, 3R`.
/// - DM (DeMark): `X = H+2L+C` (C<O), `2H+L+C` (C>O), `H+L+2C` (C=O) with `O` the period's open;
///   `P = X/4`, `R1 = X/2-L`, `S1 = X/2-H`.
/// - Camarilla: `P = (H+L+C)/3`, `R/S1..4 = C ± 1.1R/12, /6, /4, /2`, `R5 = (H/L)·C`, `S5 = C-(R5-C)`.
///
/// Verified against TradingView for Traditional P..S3, Fibonacci P/R1/S1, DM P/R1/S1, Camarilla
/// P/R4/S4 and Woodie P (daily anchor). The other levels follow TradingView's "Pivot Points
/// Standard" definitions and are not verified against an export.
struct TAPivotPointLevels {
    enum Kind: String, CaseIterable {
        case traditional = "Traditional", fibonacci = "Fibonacci", woodie = "Woodie"
        case classic = "Classic", dm = "DM", camarilla = "Camarilla"
        init?(pineName: String) {
            guard let k = Kind.allCases.first(where: { $0.rawValue.lowercased() == pineName.lowercased() }) else { return nil }
            self = k
        }
    }

    let kind: Kind
    let developing: Bool
    private var prevHigh = Double.nan, prevLow = Double.nan, prevClose = Double.nan, prevOpen = Double.nan
    private var curHigh = Double.nan, curLow = Double.nan, curOpen = Double.nan
    private var lastClose = Double.nan
    private var started = false
    private var hadAnchor = false

    init(kind: Kind, developing: Bool = false) {
        self.kind = kind
        self.developing = developing
    }

    mutating func update(open: Double, high: Double, low: Double, close: Double, anchor: Bool) -> TAPivotLevels {
        if anchor {
            prevHigh = curHigh
            prevLow = curLow
            prevClose = started ? lastClose : close
            prevOpen = curOpen
            curHigh = high
            curLow = low
            curOpen = open
            started = true
            hadAnchor = true
        } else if !started || curHigh.isNaN {
            curHigh = high
            curLow = low
            curOpen = open
            started = true
        } else {
            if !high.isNaN && high > curHigh { curHigh = high }
            if !low.isNaN && low < curLow { curLow = low }
        }
        lastClose = close
        if !hadAnchor && !developing { return TAPivotLevels() }
        let h = developing ? curHigh : prevHigh
        let l = developing ? curLow : prevLow
        let c = developing ? close : prevClose
        let o = developing ? curOpen : prevOpen
        if h.isNaN || l.isNaN || c.isNaN { return TAPivotLevels() }
        let r = h - l
        var v = TAPivotLevels()
        switch kind {
        case .traditional:
            let p = (h + l + c) / 3
            v.p = p
            v.r1 = 2 * p - l; v.s1 = 2 * p - h
            v.r2 = p + r; v.s2 = p - r
            v.r3 = 2 * p + (h - 2 * l); v.s3 = 2 * p - (2 * h - l)
            v.r4 = 3 * p + (h - 3 * l); v.s4 = 3 * p - (3 * h - l)
            v.r5 = 4 * p + (h - 4 * l); v.s5 = 4 * p - (4 * h - l)
        case .fibonacci:
            let p = (h + l + c) / 3
            v.p = p
            v.r1 = p + 0.382 * r; v.s1 = p - 0.382 * r
            v.r2 = p + 0.618 * r; v.s2 = p - 0.618 * r
            v.r3 = p + 1.000 * r; v.s3 = p - 1.000 * r
        case .woodie:
            let wo = developing ? close : curOpen
            if wo.isNaN { return TAPivotLevels() }
            let p = (h + l + 2 * wo) / 4
            v.p = p
            v.r1 = 2 * p - l; v.s1 = 2 * p - h
            v.r2 = p + r; v.s2 = p - r
            v.r3 = h + 2 * (p - l); v.s3 = l - 2 * (h - p)
            v.r4 = v.r3 + r; v.s4 = v.s3 - r
        case .classic:
            let p = (h + l + c) / 3
            v.p = p
            v.r1 = 2 * p - l; v.s1 = 2 * p - h
            v.r2 = p + r; v.s2 = p - r
            v.r3 = p + 2 * r; v.s3 = p - 2 * r
            v.r4 = p + 3 * r; v.s4 = p - 3 * r
        case .dm:
            if o.isNaN { return TAPivotLevels() }
            let x = c < o ? h + 2 * l + c : (c > o ? 2 * h + l + c : h + l + 2 * c)
            v.p = x / 4
            v.r1 = x / 2 - l; v.s1 = x / 2 - h
        case .camarilla:
            v.p = (h + l + c) / 3
            v.r1 = c + r * 1.1 / 12; v.s1 = c - r * 1.1 / 12
            v.r2 = c + r * 1.1 / 6; v.s2 = c - r * 1.1 / 6
            v.r3 = c + r * 1.1 / 4; v.s3 = c - r * 1.1 / 4
            v.r4 = c + r * 1.1 / 2; v.s4 = c - r * 1.1 / 2
            v.r5 = (h / l) * c; v.s5 = c - (v.r5 - c)
        }
        return v
    }
}
