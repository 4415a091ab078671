import TradingCore

/// The offline `sim` exchange: deterministic synthetic market data for any valid symbol, for
/// backtests (`bars`) and paper runs (`liveBars`), with no network and no credentials.
public enum SimExchange {
    public static let id = "sim"

    public static var capabilities: ExchangeCapabilities { .sim }

    /// Bars whose `openTime` lies in `[start, end)` — see `SyntheticMarket.bars(timeframe:from:to:)`.
    public static func bars(symbol: TradingSymbol, timeframe: Timeframe, from start: Int64, to end: Int64) throws(TradingError) -> [Bar] {
        try SyntheticMarket(symbol: symbol).bars(timeframe: timeframe, from: start, to: end)
    }

    /// A real-time feed on the given clock (see `SimLiveFeed`).
    public static func liveBars<C: _Concurrency.Clock>(
        symbol: TradingSymbol, timeframe: Timeframe, speed: Double = 1, startTime: Int64? = nil, clock: C
    ) -> SimLiveFeed<C> where C.Duration == Duration {
        SimLiveFeed(market: SyntheticMarket(symbol: symbol), timeframe: timeframe, speed: speed, startTime: startTime, clock: clock)
    }

    /// A real-time feed on `ContinuousClock`, starting at the wall clock's current time.
    public static func liveBars(symbol: TradingSymbol, timeframe: Timeframe, speed: Double = 1) -> SimLiveFeed<ContinuousClock> {
        liveBars(symbol: symbol, timeframe: timeframe, speed: speed, startTime: nil, clock: ContinuousClock())
    }
}
