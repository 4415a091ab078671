import TradingCore

/// One symbol's trading rules as the venue publishes them (Binance `LOT_SIZE`/`PRICE_FILTER`/
/// `NOTIONAL`, Bybit `lotSizeFilter`/`priceFilter`, OKX `lotSz`/`tickSz`/`minSz`, Kraken
/// `lot_decimals`/`tick_size`/`ordermin`/`costmin`, Coinbase `base_increment`/`price_increment`/
/// `base_min_size`/`quote_min_size`).
///
/// ``prepare(_:referencePrice:)`` applies them before an order leaves the process: the quantity is
/// rounded **down** to the step, prices to the **nearest** tick, and an order that cannot meet a
/// minimum (or exceeds a maximum) is rejected locally with the reason. All of it in exact decimals.
public struct SymbolRules: Sendable, Hashable {
    public var symbol: TradingSymbol
    /// The venue's own name for the market (`BTCUSDT`, `BTC-USDT`, `XBTUSDT`, …).
    public var venueSymbol: String
    /// Quantity increment (base asset); nil = none published.
    public var stepSize: VenueDecimal?
    /// Price increment (quote asset); nil = none published.
    public var tickSize: VenueDecimal?
    public var minQuantity: VenueDecimal?
    public var maxQuantity: VenueDecimal?
    /// Minimum quantity × price (quote asset).
    public var minNotional: VenueDecimal?
    public var maxNotional: VenueDecimal?
    /// Whether the notional limits apply to market orders (Binance `applyMinToMarket`).
    public var notionalAppliesToMarket: Bool

    public init(
        symbol: TradingSymbol, venueSymbol: String, stepSize: VenueDecimal? = nil, tickSize: VenueDecimal? = nil,
        minQuantity: VenueDecimal? = nil, maxQuantity: VenueDecimal? = nil, minNotional: VenueDecimal? = nil,
        maxNotional: VenueDecimal? = nil, notionalAppliesToMarket: Bool = true
    ) {
        self.symbol = symbol
        self.venueSymbol = venueSymbol
        self.stepSize = stepSize
        self.tickSize = tickSize
        self.minQuantity = minQuantity
        self.maxQuantity = maxQuantity
        self.minNotional = minNotional
        self.maxNotional = maxNotional
        self.notionalAppliesToMarket = notionalAppliesToMarket
    }

    /// An order ready to send: quantity and prices as exact decimals on the venue's grid, and the
    /// request with the same (rounded) values as numbers.
    public struct PreparedOrder: Sendable, Hashable {
        public var request: VenueOrderRequest
        public var quantity: VenueDecimal
        public var limitPrice: VenueDecimal?
        public var stopPrice: VenueDecimal?
    }

    /// Rounds and checks `request`. `referencePrice` (the last price) prices market orders for the
    /// notional checks. Throws `.rejected` naming the rule that failed.
    public func prepare(_ request: VenueOrderRequest, referencePrice: Double?) throws(ExecutionError) -> PreparedOrder {
        guard request.quantity.isFinite, request.quantity > 0, let asked = VenueDecimal(request.quantity) else {
            throw ExecutionError(.rejected, "\(symbol): quantity must be a positive number")
        }
        let quantity = stepSize.map { asked.rounded(toMultipleOf: $0, .down) } ?? asked
        let limit = try request.limitPrice.map { (price) throws(ExecutionError) -> VenueDecimal in try roundPrice(price, name: "limit price") }
        let stop = try request.stopPrice.map { (price) throws(ExecutionError) -> VenueDecimal in try roundPrice(price, name: "stop price") }
        guard quantity.isPositive else {
            throw ExecutionError(.rejected, "\(symbol): quantity \(asked) rounds down to 0 at step size \(stepSize.map(\.description) ?? "-")")
        }
        if let minQuantity, quantity < minQuantity {
            throw ExecutionError(.rejected, "\(symbol): quantity \(quantity) is below the minimum \(minQuantity)")
        }
        if let maxQuantity, maxQuantity.isPositive, quantity > maxQuantity {
            throw ExecutionError(.rejected, "\(symbol): quantity \(quantity) is above the maximum \(maxQuantity)")
        }
        let isMarket = request.type == .market || request.type == .stop
        if !isMarket || notionalAppliesToMarket {
            let price = limit ?? stop ?? referencePrice.flatMap { $0.isFinite && $0 > 0 ? VenueDecimal($0) : nil }
            if let price {
                let notional = quantity * price
                if let minNotional, notional < minNotional {
                    throw ExecutionError(.rejected, "\(symbol): notional \(notional) is below the minimum \(minNotional)")
                }
                if let maxNotional, maxNotional.isPositive, notional > maxNotional {
                    throw ExecutionError(.rejected, "\(symbol): notional \(notional) is above the maximum \(maxNotional)")
                }
            }
        }
        var rounded = request
        rounded.quantity = quantity.doubleValue
        rounded.limitPrice = limit?.doubleValue
        rounded.stopPrice = stop?.doubleValue
        return PreparedOrder(request: rounded, quantity: quantity, limitPrice: limit, stopPrice: stop)
    }

    private func roundPrice(_ price: Double, name: String) throws(ExecutionError) -> VenueDecimal {
        guard price.isFinite, price > 0, let asked = VenueDecimal(price) else {
            throw ExecutionError(.rejected, "\(symbol): \(name) must be a positive number")
        }
        let rounded = tickSize.map { asked.rounded(toMultipleOf: $0, .nearest) } ?? asked
        guard rounded.isPositive else {
            throw ExecutionError(.rejected, "\(symbol): \(name) \(asked) rounds to 0 at tick size \(tickSize.map(\.description) ?? "-")")
        }
        return rounded
    }
}
