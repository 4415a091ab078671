/// One fill in the result document and the fills table: which order, how much, at what price.
/// Times are ISO 8601 UTC strings with milliseconds (the bar's open time in simulated runs).
public struct FillRecord: Sendable, Hashable, Codable {
    /// 1, 2, 3… in the order the fills happened within the run.
    public var id: Int
    public var orderId: Int
    public var clientOrderId: String?
    public var symbol: String
    public var side: Side
    public var quantity: Double
    /// Price after slippage.
    public var price: Double
    public var fee: Double
    /// True when the maker rate applied.
    public var isMaker: Bool
    public var time: String

    enum CodingKeys: String, CodingKey {
        case id, symbol, side, quantity, price, fee, time
        case orderId = "order_id"
        case clientOrderId = "client_order_id"
        case isMaker = "is_maker"
    }

    /// A fill as a venue reported it (sandbox and live runs, reconciliation after a crash).
    public init(
        id: Int, orderId: Int, clientOrderId: String?, symbol: String, side: Side, quantity: Double, price: Double, fee: Double,
        isMaker: Bool, time: String
    ) {
        self.id = id
        self.orderId = orderId
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.isMaker = isMaker
        self.time = time
    }

    /// `id` is the fill's 1-based position in the run; `clientOrderId` is its order's.
    public init(_ fill: Fill, id: Int, clientOrderId: String?, symbols: [TradingSymbol]) {
        self.id = id
        orderId = fill.orderId
        self.clientOrderId = clientOrderId
        symbol = fill.symbol < symbols.count ? symbols[fill.symbol].description : "#\(fill.symbol)"
        side = fill.side
        quantity = fill.quantity
        price = fill.price
        fee = fill.fee
        isMaker = fill.isMaker
        time = ISO8601Timestamp.string(fromMilliseconds: fill.timestamp)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(orderId, forKey: .orderId)
        try c.encode(clientOrderId, forKey: .clientOrderId)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(price, forKey: .price)
        try c.encode(fee, forKey: .fee)
        try c.encode(isMaker, forKey: .isMaker)
        try c.encode(time, forKey: .time)
    }
}
