/// One order in the result document. Times are ISO 8601 UTC strings with milliseconds.
public struct OrderRecord: Sendable, Hashable, Codable {
    public var id: Int
    public var clientOrderId: String?
    public var symbol: String
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce
    /// How the order was sized: `quantity`, `cash_fraction`, `cash_amount` or `entire_position`.
    public var sizing: String
    /// The amount behind `sizing` (the quantity, fraction or cash amount; `null` for `entire_position`).
    public var sizingValue: Double?
    /// The resolved quantity (`null` if the order never reached a fill attempt).
    public var quantity: Double?
    public var limitPrice: Double?
    public var stopPrice: Double?
    public var status: OrderStatus
    public var filledQuantity: Double
    /// Average fill price; `null` when nothing filled.
    public var averageFillPrice: Double?
    public var fees: Double
    public var createdTime: String
    public var updatedTime: String
    public var reason: String?
    public var ocoGroup: Int?
    public var parentId: Int?

    enum CodingKeys: String, CodingKey {
        case id, symbol, side, type, sizing, quantity, status, fees, reason
        case clientOrderId = "client_order_id"
        case timeInForce = "time_in_force"
        case sizingValue = "sizing_value"
        case limitPrice = "limit_price"
        case stopPrice = "stop_price"
        case filledQuantity = "filled_quantity"
        case averageFillPrice = "average_fill_price"
        case createdTime = "created_time"
        case updatedTime = "updated_time"
        case ocoGroup = "oco_group"
        case parentId = "parent_id"
    }

    public init(_ order: Order, symbols: [TradingSymbol]) {
        self.init(order, symbolNames: symbols.map(\.description))
    }

    /// With the symbols' texts computed once per report rather than once per order.
    init(_ order: Order, symbolNames: [String]) {
        id = order.id
        clientOrderId = order.clientOrderId
        symbol = order.symbol < symbolNames.count ? symbolNames[order.symbol] : "#\(order.symbol)"
        side = order.side
        type = order.type
        timeInForce = order.timeInForce
        switch order.sizing {
        case .quantity(let q): sizing = "quantity"; sizingValue = finite(q)
        case .cashFraction(let f): sizing = "cash_fraction"; sizingValue = finite(f)
        case .cashAmount(let a): sizing = "cash_amount"; sizingValue = finite(a)
        case .entirePosition: sizing = "entire_position"; sizingValue = nil
        }
        quantity = finite(order.quantity)
        limitPrice = finite(order.limitPrice)
        stopPrice = finite(order.stopPrice)
        status = order.status
        filledQuantity = order.filledQuantity
        averageFillPrice = order.filledQuantity > 0 ? finite(order.averageFillPrice) : nil
        fees = order.fees
        createdTime = ISO8601Timestamp.string(fromMilliseconds: order.createdAt)
        updatedTime = ISO8601Timestamp.string(fromMilliseconds: order.updatedAt)
        reason = order.reason
        ocoGroup = order.ocoGroup
        parentId = order.parentId
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(clientOrderId, forKey: .clientOrderId)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encode(type, forKey: .type)
        try c.encode(timeInForce, forKey: .timeInForce)
        try c.encode(sizing, forKey: .sizing)
        try c.encode(finite(sizingValue), forKey: .sizingValue)
        try c.encode(finite(quantity), forKey: .quantity)
        try c.encode(finite(limitPrice), forKey: .limitPrice)
        try c.encode(finite(stopPrice), forKey: .stopPrice)
        try c.encode(status, forKey: .status)
        try c.encode(finite(filledQuantity) ?? 0, forKey: .filledQuantity)
        try c.encode(finite(averageFillPrice), forKey: .averageFillPrice)
        try c.encode(finite(fees) ?? 0, forKey: .fees)
        try c.encode(createdTime, forKey: .createdTime)
        try c.encode(updatedTime, forKey: .updatedTime)
        try c.encode(reason, forKey: .reason)
        try c.encode(ocoGroup, forKey: .ocoGroup)
        try c.encode(parentId, forKey: .parentId)
    }
}

/// One round trip in the result document.
public struct TradeRecord: Sendable, Hashable, Codable {
    public var id: Int
    public var symbol: String
    /// `open` or `closed`.
    public var status: String
    public var entryTime: String
    public var exitTime: String?
    public var entryPrice: Double
    public var exitPrice: Double?
    public var quantity: Double
    /// Net of fees; for open trades marked at the last close.
    public var pnl: Double
    /// `pnl / (quantity × entry_price)`.
    public var returnFraction: Double
    public var fees: Double

    enum CodingKeys: String, CodingKey {
        case id, symbol, status, quantity, pnl, fees
        case entryTime = "entry_time"
        case exitTime = "exit_time"
        case entryPrice = "entry_price"
        case exitPrice = "exit_price"
        case returnFraction = "return"
    }

    public init(_ trade: Trade, symbols: [TradingSymbol]) {
        self.init(trade, symbolNames: symbols.map(\.description))
    }

    /// With the symbols' texts computed once per report rather than once per trade.
    init(_ trade: Trade, symbolNames: [String]) {
        id = trade.id
        symbol = trade.symbol < symbolNames.count ? symbolNames[trade.symbol] : "#\(trade.symbol)"
        status = trade.isOpen ? "open" : "closed"
        entryTime = ISO8601Timestamp.string(fromMilliseconds: trade.entryTime)
        exitTime = trade.exitTime.map { ISO8601Timestamp.string(fromMilliseconds: $0) }
        entryPrice = finite(trade.entryPrice) ?? 0
        exitPrice = finite(trade.exitPrice)
        quantity = finite(trade.quantity) ?? 0
        pnl = finite(trade.pnl) ?? 0
        returnFraction = finite(trade.returnFraction) ?? 0
        fees = finite(trade.fees) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(status, forKey: .status)
        try c.encode(entryTime, forKey: .entryTime)
        try c.encode(exitTime, forKey: .exitTime)
        try c.encode(entryPrice, forKey: .entryPrice)
        try c.encode(exitPrice, forKey: .exitPrice)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(pnl, forKey: .pnl)
        try c.encode(returnFraction, forKey: .returnFraction)
        try c.encode(fees, forKey: .fees)
    }
}

/// A holding at the end of the run (only non-zero positions are listed).
public struct PositionRecord: Sendable, Hashable, Codable {
    public var symbol: String
    public var quantity: Double
    public var averageEntryPrice: Double
    public var lastPrice: Double
    public var marketValue: Double
    public var unrealizedPnl: Double

    enum CodingKeys: String, CodingKey {
        case symbol, quantity
        case averageEntryPrice = "average_entry_price"
        case lastPrice = "last_price"
        case marketValue = "market_value"
        case unrealizedPnl = "unrealized_pnl"
    }

    public init(_ position: Position, symbols: [TradingSymbol]) {
        symbol = position.symbol < symbols.count ? symbols[position.symbol].description : "#\(position.symbol)"
        quantity = finite(position.quantity) ?? 0
        averageEntryPrice = finite(position.averageEntryPrice) ?? 0
        lastPrice = finite(position.lastPrice) ?? 0
        marketValue = finite(position.marketValue) ?? 0
        unrealizedPnl = finite(position.unrealizedPnL) ?? 0
    }
}

/// One point of the equity curve: `pnl = value − initial cash`.
public struct EquityPoint: Sendable, Hashable, Codable {
    public var timestamp: String
    public var value: Double
    public var cash: Double
    public var pnl: Double

    public init(timestamp: String, value: Double, cash: Double, pnl: Double) {
        self.timestamp = timestamp
        self.value = finite(value) ?? 0
        self.cash = finite(cash) ?? 0
        self.pnl = finite(pnl) ?? 0
    }
}
