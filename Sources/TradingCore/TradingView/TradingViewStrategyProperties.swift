/// TradingView's strategy model ("broker emulator"): the `strategy()` declaration's properties.
///
/// Defaults are Pine Script v5's documented defaults. Where v6 differs (margin 100 %), the
/// Pine runtime sets the property itself. See `docs/pine-strategy-model.md` for the fill rules.

/// `strategy.long` / `strategy.short`.
public enum TradingViewDirection: Sendable, Hashable {
    case long, short

    /// +1 for long, −1 for short.
    public var sign: Double { self == .long ? 1 : -1 }
    public var opposite: TradingViewDirection { self == .long ? .short : .long }
}

/// `default_qty_type`: `strategy.fixed`, `strategy.percent_of_equity`, `strategy.cash`.
public enum TradingViewQuantityType: Sendable, Hashable { case fixed, percentOfEquity, cash }

/// `commission_type`: `strategy.commission.percent`, `.cash_per_contract`, `.cash_per_order`.
public enum TradingViewCommissionType: Sendable, Hashable { case percent, cashPerContract, cashPerOrder }

/// `oca_type`: `strategy.oca.none`, `.cancel`, `.reduce`.
public enum TradingViewOCAType: Sendable, Hashable { case none, cancel, reduce }

/// `close_entries_rule`: `"FIFO"` (default) or `"ANY"`.
public enum TradingViewCloseEntriesRule: Sendable, Hashable { case fifo, any }

/// The unit of a `strategy.risk.max_drawdown` / `max_intraday_loss` value.
public enum TradingViewRiskLimitType: Sendable, Hashable {
    /// `strategy.percent_of_equity`: percent of the peak equity (drawdown) or of the day's starting equity (intraday loss).
    case percentOfEquity
    /// `strategy.cash`: an amount in account currency.
    case cash
}

/// A `strategy.risk.max_drawdown(value, type)` or `strategy.risk.max_intraday_loss(value, type)` limit.
public struct TradingViewRiskLimit: Sendable, Hashable {
    public var value: Double
    public var type: TradingViewRiskLimitType
    public init(value: Double, type: TradingViewRiskLimitType) {
        self.value = value
        self.type = type
    }
}

/// The properties of a `strategy()` declaration plus the symbol information the broker needs.
public struct TradingViewStrategyProperties: Sendable {
    /// `initial_capital`. Default 1,000,000 (TradingView's v5 default; newer UI default is 100,000).
    public var initialCapital: Double = 1_000_000
    /// `default_qty_type`. Default `.fixed`.
    public var defaultQtyType: TradingViewQuantityType = .fixed
    /// `default_qty_value`. Default 1 (contract, percent or cash depending on `defaultQtyType`).
    public var defaultQtyValue: Double = 1
    /// `pyramiding`: the number of `strategy.entry` fills allowed in one direction. 0 and 1 both mean one.
    public var pyramiding: Int = 0
    /// `commission_type`. Default `.percent`.
    public var commissionType: TradingViewCommissionType = .percent
    /// `commission_value`. Default 0.
    public var commissionValue: Double = 0
    /// `slippage` in ticks, added adversely to market and stop fills (never to limit fills).
    public var slippageTicks: Int = 0
    /// `process_orders_on_close`: market orders fill at the close of the bar that placed them.
    public var processOrdersOnClose: Bool = false
    /// `backtest_fill_limits_assumption`: a limit order fills inside a bar only when price goes through
    /// its level by this many ticks (it then fills at the limit price). Default 0.
    public var backtestFillLimitsAssumption: Int = 0
    /// `close_entries_rule`. Default `.fifo`.
    public var closeEntriesRule: TradingViewCloseEntriesRule = .fifo
    /// `margin_long` in percent. 0 (the v5 default) disables margin checks for longs; 100 means no leverage.
    public var marginLong: Double = 0
    /// `margin_short` in percent. 0 (the v5 default) disables margin checks for shorts.
    public var marginShort: Double = 0
    /// `syminfo.mintick`. Limit/stop prices and tick offsets (`profit`, `loss`, `trail_*`, slippage) use it.
    public var minTick: Double = 0.01
    /// `syminfo.mincontract`-like quantity step: every order quantity is rounded DOWN to a multiple of it.
    /// 0 disables rounding.
    public var quantityStep: Double = 0
    /// `syminfo.pointvalue`: money per 1.0 of price per contract. Default 1.
    public var pointValue: Double = 1
    /// `strategy.risk.allow_entry_in`: nil allows both directions.
    public var riskAllowEntryIn: TradingViewDirection? = nil
    /// `strategy.risk.max_position_size` in contracts.
    public var riskMaxPositionSize: Double? = nil
    /// `strategy.risk.max_drawdown`.
    public var riskMaxDrawdown: TradingViewRiskLimit? = nil
    /// `strategy.risk.max_intraday_loss`.
    public var riskMaxIntradayLoss: TradingViewRiskLimit? = nil
    /// `strategy.risk.max_cons_loss_days`.
    public var riskMaxConsLossDays: Int? = nil
    /// `strategy.risk.max_intraday_filled_orders`.
    public var riskMaxIntradayFilledOrders: Int? = nil
    /// Offset of the exchange time zone from UTC in seconds; days for the intraday risk rules start at
    /// local midnight. Default 0 (UTC).
    public var timezoneOffsetSeconds: Int64 = 0
    /// Maps a bar's open time (ms since the epoch) to its trading-day number for the intraday risk rules,
    /// for exchange time zones with daylight saving or sessions that do not start at midnight (FX days
    /// start at 17:00 New York). nil uses `timezoneOffsetSeconds`.
    public var tradingDay: (@Sendable (Int64) -> Int64)? = nil

    public init() {}
}
