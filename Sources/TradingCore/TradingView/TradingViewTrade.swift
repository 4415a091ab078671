/// One trade of TradingView's strategy model: an entry fill and (once closed) its exit fill.
///
/// A partial exit splits a trade: the closed part becomes a closed trade with the closed quantity,
/// the rest stays open. `profit` and `commission` cover this trade's quantity only.
public struct TradingViewTrade: Sendable, Hashable {
    /// The id of the `strategy.entry`/`strategy.order` that opened the trade.
    public var entryId: String
    public var entryComment: String?
    public var entryBarIndex: Int
    /// Bar open time in ms since the epoch (TradingView lists a trade at its bar's time).
    public var entryTime: Int64
    public var entryPrice: Double
    /// The id of the order that closed the trade: the exit id of `strategy.exit`, the entry id given to
    /// `strategy.close`, the id of a reversing `strategy.entry`/`strategy.order`, or a fixed name
    /// (`"Close position order"`, `"Margin call"`, risk rules). nil while open, and for the close forced by
    /// `max_intraday_filled_orders` (TradingView gives it no id; its Signal is in `exitSignal`).
    public var exitId: String?
    public var exitComment: String?
    public var exitBarIndex: Int?
    public var exitTime: Int64?
    public var exitPrice: Double?
    public var direction: TradingViewDirection
    /// Contracts, positive.
    public var quantity: Double
    /// Net profit: (exit − entry) · qty · pointValue · sign − commission. For an open trade, at the current close.
    public var profit: Double
    /// Entry share plus exit commission.
    public var commission: Double
    /// Largest favourable excursion in money (≥ 0) while open, from the prices the path visited.
    public var maxRunup: Double
    /// Largest adverse excursion in money, as a positive number (≥ 0).
    public var maxDrawdown: Double
    /// The text of TradingView's "Signal" column on the exit row ("Open" while open).
    public var exitSignal: String?

    /// The text of TradingView's "Signal" column on the entry row: the comment, else the id.
    public var entrySignal: String { entryComment ?? entryId }
    /// Signed size as `strategy.closedtrades.size`: positive long, negative short.
    public var signedQuantity: Double { quantity * direction.sign }
    public var isOpen: Bool { exitBarIndex == nil }

    public init(entryId: String, entryComment: String?, entryBarIndex: Int, entryTime: Int64, entryPrice: Double,
                exitId: String? = nil, exitComment: String? = nil, exitBarIndex: Int? = nil, exitTime: Int64? = nil,
                exitPrice: Double? = nil, direction: TradingViewDirection, quantity: Double, profit: Double = 0,
                commission: Double = 0, maxRunup: Double = 0, maxDrawdown: Double = 0, exitSignal: String? = nil) {
        self.entryId = entryId
        self.entryComment = entryComment
        self.entryBarIndex = entryBarIndex
        self.entryTime = entryTime
        self.entryPrice = entryPrice
        self.exitId = exitId
        self.exitComment = exitComment
        self.exitBarIndex = exitBarIndex
        self.exitTime = exitTime
        self.exitPrice = exitPrice
        self.direction = direction
        self.quantity = quantity
        self.profit = profit
        self.commission = commission
        self.maxRunup = maxRunup
        self.maxDrawdown = maxDrawdown
        self.exitSignal = exitSignal
    }
}
