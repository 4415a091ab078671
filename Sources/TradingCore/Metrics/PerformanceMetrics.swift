/// The statistics of a run. Every formula and edge case is in `docs/metrics.md`.
///
/// Optional fields are `nil` (JSON `null`) when the statistic is undefined — e.g. a ratio with a
/// zero denominator or a trade statistic without trades. No field is ever NaN or infinite.
public struct PerformanceMetrics: Sendable, Hashable, Codable {
    public var totalReturn: Double
    public var finalValue: Double
    public var cagr: Double?
    public var sharpeRatio: Double?
    public var sortinoRatio: Double?
    /// Largest peak-to-trough fall of the equity curve, as a fraction of the peak (0.05 = 5 %).
    public var maxDrawdown: Double
    /// Longest run of consecutive equity points below the running peak, in bars (equity points).
    public var maxDrawdownDuration: Int
    public var calmarRatio: Double?
    /// Closed round trips.
    public var totalTrades: Int
    /// Round trips still open at the end.
    public var openTrades: Int
    public var winningTrades: Int
    public var losingTrades: Int
    public var winRate: Double?
    public var profitFactor: Double?
    public var avgWin: Double?
    public var avgLoss: Double?
    public var expectancy: Double?
    public var bestTrade: Double?
    public var worstTrade: Double?
    /// Fraction of equity points at which a position was open.
    public var exposure: Double
    public var totalFees: Double

    public init(
        totalReturn: Double = 0, finalValue: Double = 0, cagr: Double? = nil, sharpeRatio: Double? = nil,
        sortinoRatio: Double? = nil, maxDrawdown: Double = 0, maxDrawdownDuration: Int = 0, calmarRatio: Double? = nil,
        totalTrades: Int = 0, openTrades: Int = 0, winningTrades: Int = 0, losingTrades: Int = 0, winRate: Double? = nil,
        profitFactor: Double? = nil, avgWin: Double? = nil, avgLoss: Double? = nil, expectancy: Double? = nil,
        bestTrade: Double? = nil, worstTrade: Double? = nil, exposure: Double = 0, totalFees: Double = 0
    ) {
        self.totalReturn = totalReturn
        self.finalValue = finalValue
        self.cagr = cagr
        self.sharpeRatio = sharpeRatio
        self.sortinoRatio = sortinoRatio
        self.maxDrawdown = maxDrawdown
        self.maxDrawdownDuration = maxDrawdownDuration
        self.calmarRatio = calmarRatio
        self.totalTrades = totalTrades
        self.openTrades = openTrades
        self.winningTrades = winningTrades
        self.losingTrades = losingTrades
        self.winRate = winRate
        self.profitFactor = profitFactor
        self.avgWin = avgWin
        self.avgLoss = avgLoss
        self.expectancy = expectancy
        self.bestTrade = bestTrade
        self.worstTrade = worstTrade
        self.exposure = exposure
        self.totalFees = totalFees
    }

    enum CodingKeys: String, CodingKey {
        case totalReturn = "total_return"
        case finalValue = "final_value"
        case cagr
        case sharpeRatio = "sharpe_ratio"
        case sortinoRatio = "sortino_ratio"
        case maxDrawdown = "max_drawdown"
        case maxDrawdownDuration = "max_drawdown_duration"
        case calmarRatio = "calmar_ratio"
        case totalTrades = "total_trades"
        case openTrades = "open_trades"
        case winningTrades = "winning_trades"
        case losingTrades = "losing_trades"
        case winRate = "win_rate"
        case profitFactor = "profit_factor"
        case avgWin = "avg_win"
        case avgLoss = "avg_loss"
        case expectancy
        case bestTrade = "best_trade"
        case worstTrade = "worst_trade"
        case exposure
        case totalFees = "total_fees"
    }

    /// Every key is written; undefined values as `null`; non-finite numbers (never produced) as `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(totalReturn), forKey: .totalReturn)
        try c.encode(finite(finalValue), forKey: .finalValue)
        try c.encode(finite(cagr), forKey: .cagr)
        try c.encode(finite(sharpeRatio), forKey: .sharpeRatio)
        try c.encode(finite(sortinoRatio), forKey: .sortinoRatio)
        try c.encode(finite(maxDrawdown), forKey: .maxDrawdown)
        try c.encode(maxDrawdownDuration, forKey: .maxDrawdownDuration)
        try c.encode(finite(calmarRatio), forKey: .calmarRatio)
        try c.encode(totalTrades, forKey: .totalTrades)
        try c.encode(openTrades, forKey: .openTrades)
        try c.encode(winningTrades, forKey: .winningTrades)
        try c.encode(losingTrades, forKey: .losingTrades)
        try c.encode(finite(winRate), forKey: .winRate)
        try c.encode(finite(profitFactor), forKey: .profitFactor)
        try c.encode(finite(avgWin), forKey: .avgWin)
        try c.encode(finite(avgLoss), forKey: .avgLoss)
        try c.encode(finite(expectancy), forKey: .expectancy)
        try c.encode(finite(bestTrade), forKey: .bestTrade)
        try c.encode(finite(worstTrade), forKey: .worstTrade)
        try c.encode(finite(exposure), forKey: .exposure)
        try c.encode(finite(totalFees), forKey: .totalFees)
    }
}

/// `nil` for NaN and infinities, so JSON never sees them.
@inline(__always)
func finite(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
}
