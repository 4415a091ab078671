import TradingCore

/// The one execution interface for every mode: a venue that takes orders by **client order id**.
///
/// Paper runs will use a simulated implementation; sandbox and live runs one adapter per venue
/// (Binance, Bybit, OKX, Kraken, Coinbase), so a strategy runs unchanged in each. Every call names
/// orders by the client order id the caller chose (and journaled, see `docs/storage.md`) before
/// placing: after a timeout or a crash the order is found again with ``order(symbol:clientOrderId:)``
/// and never blindly resent.
public protocol ExecutionVenue: Sendable {
    /// The exchange id (`binance`, …; `sim` for the simulated venue).
    var id: String { get }

    /// Places an order. Venue adapters round it to the symbol's rules first and reject it locally
    /// (`.rejected`, nothing sent) when it cannot meet them. Throws ``ExecutionError`` with `.outcomeUnknown` when the venue may or may
    /// not have taken it (timeout, 5xx, dropped connection): the caller must then query it.
    func place(_ request: VenueOrderRequest) async throws(ExecutionError) -> VenueOrder

    /// Cancels a working order; answers its final state.
    func cancel(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder

    /// The order with this client order id, or nil when the venue has none.
    func order(symbol: TradingSymbol, clientOrderId: String) async throws(ExecutionError) -> VenueOrder?

    /// Working orders, of one symbol or (nil) of all.
    func openOrders(symbol: TradingSymbol?) async throws(ExecutionError) -> [VenueOrder]

    /// Balances per asset.
    func balances() async throws(ExecutionError) -> [VenueBalance]
}

/// What to place. Quantities are in the base asset, prices in the quote asset.
public struct VenueOrderRequest: Sendable, Hashable {
    public var clientOrderId: String
    public var symbol: TradingSymbol
    public var side: Side
    public var type: OrderType
    public var quantity: Double
    public var limitPrice: Double?
    public var stopPrice: Double?
    public var timeInForce: TimeInForce
    /// The last price seen (quote asset): prices a market order for the venue's notional filters.
    public var referencePrice: Double?

    public init(
        clientOrderId: String, symbol: TradingSymbol, side: Side, type: OrderType = .market, quantity: Double,
        limitPrice: Double? = nil, stopPrice: Double? = nil, timeInForce: TimeInForce = .gtc, referencePrice: Double? = nil
    ) {
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.timeInForce = timeInForce
        self.referencePrice = referencePrice
    }
}

/// An order as the venue reports it.
public struct VenueOrder: Sendable, Hashable {
    public var clientOrderId: String
    /// The venue's own id, when it assigned one.
    public var venueOrderId: String?
    public var symbol: TradingSymbol
    public var side: Side
    public var type: OrderType
    public var status: OrderStatus
    public var quantity: Double
    public var filledQuantity: Double
    /// Quantity-weighted average fill price; nil before the first fill.
    public var averageFillPrice: Double?
    public var limitPrice: Double?
    public var stopPrice: Double?
    /// Fees charged so far, in `feeAsset`; nil when the venue's answer does not say.
    public var cumulativeFee: Double?
    public var feeAsset: String?
    /// Why the venue rejected, cancelled or expired it.
    public var reason: String?
    /// Milliseconds since the epoch, UTC.
    public var updatedAt: Int64

    public init(
        clientOrderId: String, venueOrderId: String? = nil, symbol: TradingSymbol, side: Side, type: OrderType,
        status: OrderStatus, quantity: Double, filledQuantity: Double = 0, averageFillPrice: Double? = nil,
        limitPrice: Double? = nil, stopPrice: Double? = nil, cumulativeFee: Double? = nil, feeAsset: String? = nil,
        reason: String? = nil, updatedAt: Int64
    ) {
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.type = type
        self.status = status
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.averageFillPrice = averageFillPrice
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.cumulativeFee = cumulativeFee
        self.feeAsset = feeAsset
        self.reason = reason
        self.updatedAt = updatedAt
    }
}

/// One asset's balance.
public struct VenueBalance: Sendable, Hashable {
    public var asset: String
    /// Available for new orders.
    public var free: Double
    /// Held by working orders.
    public var locked: Double

    public init(asset: String, free: Double, locked: Double) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }
}
