import TradingCore

/// A real venue behind ``ExecutionVenue``: one per exchange, laid out alike under `Venues/<Name>/`
/// (`<Name>Adapter` the entry point, `<Name>HTTP` requests, `<Name>Parse` payloads,
/// `<Name>Models` wire types, `<Name>WebSocket` the private stream, signing in `Signing/`).
///
/// Before the first order the run calls ``prepare(symbols:)``: it syncs the clock with the venue
/// and loads each symbol's rules, so ``rules(for:)`` can round and check orders before they leave
/// the process.
public protocol VenueAdapter: ExecutionVenue {
    /// Syncs with the venue's clock and loads the rules of `symbols`. Throws `.unreachable` when
    /// the venue cannot be reached, `.authenticationFailed` when it refuses the keys (a signed
    /// call is made so bad keys are found before the first order).
    func prepare(symbols: [TradingSymbol]) async throws(ExecutionError)

    /// The rules loaded by ``prepare(symbols:)``; nil for a symbol not prepared.
    func rules(for symbol: TradingSymbol) -> SymbolRules?

    /// Order updates from the venue's private stream, as they happen (fills included, as a higher
    /// `filledQuantity`). The stream reconnects with capped backoff; consumers also poll
    /// ``ExecutionVenue/order(symbol:clientOrderId:)`` as the fallback. Nil when the venue has no
    /// private stream in this adapter.
    func orderUpdates() -> AsyncStream<VenueOrder>?

    /// Stops the private stream and anything else the adapter runs in the background.
    func shutdown() async
}

extension VenueAdapter {
    public func orderUpdates() -> AsyncStream<VenueOrder>? { nil }
    public func shutdown() async {}
}
