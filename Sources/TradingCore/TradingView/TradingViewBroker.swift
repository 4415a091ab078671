/// TradingView's strategy model (the Strategy Tester's "broker emulator") for Pine scripts.
///
/// Life cycle, once per bar: `beginBar(bar, index:)` fills the orders placed on earlier bars against
/// this bar (market orders at the open, price orders along the assumed intrabar path), then the script
/// runs on the bar's close and calls `entry`/`order`/`close`/`exit`/`cancel`, then `endBar()` fills
/// `process_orders_on_close` orders and does the bar-close bookkeeping (equity, drawdown, risk rules).
///
/// The full rules, with formulas and the known differences from TradingView, are in
/// `docs/pine-strategy-model.md`. This type is independent of `SimulatedBroker` (the built-in
/// strategies keep their backtrader-identical fills).
public final class TradingViewBroker {
    public let properties: TradingViewStrategyProperties

    // MARK: Internal model

    enum OrderKind: Equatable { case entry, order, close, closeAll }

    struct PendingOrder {
        var serial: Int
        var kind: OrderKind
        var id: String
        /// Side of the order: `.long` buys, `.short` sells. Unused for closes.
        var direction: TradingViewDirection
        var qty: Double?
        var qtyPercent: Double?
        var limit: Double?
        var stop: Double?
        var stopTriggered = false
        var ocaName: String?
        var ocaType: TradingViewOCAType
        var comment: String?
        var placedBar: Int
        /// For closes: the script statement that placed it (same statement, same bar → replaced).
        var callSite: Int? = nil

        var isMarket: Bool { limit == nil && stop == nil }
        var isPriceOrder: Bool { !isMarket }
    }

    struct OpenTrade {
        var serial: Int
        var entryId: String
        var entryComment: String?
        var entryBarIndex: Int
        var entryTime: Int64
        var entryPrice: Double
        var direction: TradingViewDirection
        var quantity: Double
        /// Quantity at entry: exit legs reserve their slices of it.
        var originalQuantity: Double
        /// Entry commission not yet attributed to a closed part of this trade.
        var entryCommission: Double
        var maxPrice: Double
        var minPrice: Double
        /// Bar on which the order that opened this trade was placed.
        var orderPlacedBar: Int = -1
        /// `entryId` interned (`name(_:)`): exits match their `from_entry` by integer.
        var entryCode: Int = -1
        /// The state of the exit legs applied to this trade (by exit `uid`); they go with the trade.
        var legs: [Leg] = []
    }

    /// One exit leg's state for one trade.
    struct Leg {
        var uid: Int
        var trailActive = false
        var trailExtreme = Double.nan
        var consumed = false
    }

    struct ExitSpec {
        var serial: Int
        /// Integer identity of (id, from_entry) (`key` interned): the legs' state is keyed by it.
        var uid: Int = -1
        /// `fromEntry` interned; -1 without `from_entry`.
        var fromCode: Int = -1
        var id: String
        var fromEntry: String?
        var qty: Double?
        var qtyPercent: Double?
        var profit: Double?
        var limit: Double?
        var loss: Double?
        var stop: Double?
        var trailPrice: Double?
        var trailPoints: Double?
        var trailOffset: Double?
        var ocaName: String?
        var comment: String?
        var commentProfit: String?
        var commentLoss: String?
        var commentTrailing: String?
        /// For an exit without `from_entry`: the position it protects (the one open when it was placed, or
        /// the first one opened after it was placed flat). It never carries over to a reversed position.
        var boundDirection: TradingViewDirection? = nil

        /// Identifies the exit (id and from_entry); stored, since it is compared on every bar.
        var key: String = ""

        static func key(id: String, fromEntry: String?) -> String { id + "\u{1}" + (fromEntry ?? "\u{2}") }
        @inline(__always)
        func matches(_ trade: OpenTrade) -> Bool {
            (fromCode < 0 || fromCode == trade.entryCode) && (boundDirection == nil || boundDirection == trade.direction)
        }
        /// A trailing leg arms with `trail_price`/`trail_points`; a missing `trail_offset` means 0 ticks.
        var hasTrailing: Bool { trailPrice != nil || trailPoints != nil }
        var hasQuantity: Bool { qty != nil || qtyPercent != nil }
    }

    /// What a price event does when reached along the path.
    enum EventTarget {
        case order(serial: Int)
        case stopTrigger(serial: Int)
        case exitLimit(spec: Int, trade: Int)
        case exitStop(spec: Int, trade: Int, trailing: Bool)
        case trailActivation(spec: Int, trade: Int)
    }

    struct PriceEvent {
        /// Where on the path the event happens (orders the events).
        var price: Double
        /// The fill price before slippage (differs from `price` only with `backtest_fill_limits_assumption`).
        var fill: Double
        var priority: Int
        var target: EventTarget
    }

    // Any change to the orders, exits or trades invalidates the quiet band (see `pathIsQuiet`).
    @exclusivity(unchecked) private(set) var pending: [PendingOrder] = [] { didSet { stateVersion &+= 1 } }
    @exclusivity(unchecked) private(set) var exitSpecs: [ExitSpec] = [] { didSet { stateVersion &+= 1 } }
    /// Interned names (exit keys, entry ids) → small integers; see `name(_:)`.
    private var names: [String: Int] = [:]
    private var nextName = 0
    private var namesCollectAt = 64
    @exclusivity(unchecked) private(set) var trades: [OpenTrade] = [] { didSet { stateVersion &+= 1 } }
    /// Bumped by any change to `pending`, `exitSpecs` or `trades`: results derived from them are cached with
    /// the version they were computed at.
    @exclusivity(unchecked) private var stateVersion = 0
    @exclusivity(unchecked) private var closed: [TradingViewTrade] = []
    private var nextSerial = 0
    private var nextTradeSerial = 0

    @exclusivity(unchecked) private var bar = Bar(openTime: 0, open: .nan, high: .nan, low: .nan, close: .nan, volume: 0)
    @exclusivity(unchecked) private var barIndex = -1
    @exclusivity(unchecked) private var mark = Double.nan

    @exclusivity(unchecked) private var realized = 0.0
    private var grossProfitSum = 0.0
    private var grossLossSum = 0.0
    private var wins = 0
    private var losses = 0
    private var evens = 0
    @exclusivity(unchecked) private var fills = 0

    // Position aggregates, recomputed whenever `trades` changes.
    @exclusivity(unchecked) private var aggQuantity = 0.0
    @exclusivity(unchecked) private var aggEntryValue = 0.0
    @exclusivity(unchecked) private var aggEntryCommission = 0.0
    @exclusivity(unchecked) private var aggSign = 0.0
    /// `pointValue * aggSign`: multiplying by ±1 is exact, so `x * aggScale == x * pointValue * aggSign` bit for bit.
    @exclusivity(unchecked) private var aggScale = 0.0

    /// Highest / lowest price visited since the last `flushPath()` and not yet folded into the open trades'
    /// `maxPrice` / `minPrice` (every open trade saw all of them: a trade opened later flushes first).
    @exclusivity(unchecked) private var pathHigh = -Double.infinity
    @exclusivity(unchecked) private var pathLow = Double.infinity

    /// Folds the deferred path extremes into the open trades (before a trade is added).
    private func flushPath() {
        if pathHigh > -.infinity || pathLow < .infinity {
            let high = pathHigh, low = pathLow
            for index in trades.indices {
                if high > trades[index].maxPrice { trades[index].maxPrice = high }
                if low < trades[index].minPrice { trades[index].minPrice = low }
            }
            pathHigh = -.infinity
            pathLow = .infinity
        }
    }

    private func tradesChanged() {
        var qty = 0.0, value = 0.0, fee = 0.0
        for index in trades.indices {
            qty += trades[index].quantity
            value += trades[index].quantity * trades[index].entryPrice
            fee += trades[index].entryCommission
        }
        aggQuantity = qty
        aggEntryValue = value
        aggEntryCommission = fee
        aggSign = trades.isEmpty ? 0 : trades[0].direction.sign
        aggScale = properties.pointValue * aggSign
        if aggSign > 0 { maxHeldLong = max(maxHeldLong, qty) } else if aggSign < 0 { maxHeldShort = max(maxHeldShort, qty) }
    }
    @exclusivity(unchecked) private var maxHeldLong = 0.0
    @exclusivity(unchecked) private var maxHeldShort = 0.0

    /// `strategy.max_contracts_held_long` / `_short` / `_all`: the largest position held so far.
    public var maxContractsHeldLong: Double { maxHeldLong }
    public var maxContractsHeldShort: Double { maxHeldShort }
    public var maxContractsHeldAll: Double { max(maxHeldLong, maxHeldShort) }

    // Equity curve.
    @exclusivity(unchecked) private var peakEquity: Double
    @exclusivity(unchecked) private var troughEquity: Double
    @exclusivity(unchecked) private var maxDrawdownValue = 0.0
    @exclusivity(unchecked) private var maxRunupValue = 0.0

    // Risk state.
    private var haltedForever = false
    private var haltedDay: Int64? = nil
    @exclusivity(unchecked) private var currentDay: Int64? = nil
    @exclusivity(unchecked) private var dayStartEquity: Double
    @exclusivity(unchecked) private var dayFills = 0
    private var consecutiveLossDays = 0

    private let usesDays: Bool
    private let usesRiskRules: Bool
    private let usesMargin: Bool
    private let usesDaysOrMargin: Bool
    private let processesOnCloseOrRisk: Bool

    public init(properties: TradingViewStrategyProperties) {
        self.properties = properties
        usesDays = properties.riskMaxIntradayLoss != nil || properties.riskMaxConsLossDays != nil
            || properties.riskMaxIntradayFilledOrders != nil
        usesRiskRules = usesDays || properties.riskMaxDrawdown != nil
        usesMargin = properties.marginLong > 0 || properties.marginShort > 0
        usesDaysOrMargin = usesDays || usesMargin
        processesOnCloseOrRisk = properties.processOrdersOnClose || usesRiskRules
        tickInverse = Self.decimalInverse(properties.minTick)
        stepInverse = Self.decimalInverse(properties.quantityStep)
        peakEquity = properties.initialCapital
        troughEquity = properties.initialCapital
        dayStartEquity = properties.initialCapital
    }

    // MARK: Numbers

    private var tick: Double { properties.minTick > 0 ? properties.minTick : 0 }
    private var slippage: Double { Double(max(0, properties.slippageTicks)) * tick }

    /// `(1 / tick).rounded()` when it is the exact inverse of a decimal tick (0.01 → 100), else 0.
    private let tickInverse: Double
    /// The same for `quantityStep`.
    private let stepInverse: Double

    private static func decimalInverse(_ unit: Double) -> Double {
        guard unit > 0 else { return 0 }
        let inverse = (1 / unit).rounded()
        return inverse >= 1 && abs(inverse * unit - 1) < 1e-9 ? inverse : 0
    }

    /// Rounds a price to the nearest tick, exactly for decimal ticks such as 0.00001.
    func roundToTick(_ price: Double) -> Double {
        guard tick > 0, price.isFinite else { return price }
        let inverse = tickInverse
        if inverse > 0 {
            return (price * inverse).rounded() / inverse
        }
        return (price / tick).rounded() * tick
    }

    /// Rounds a quantity down to `quantityStep` (with a 1e-9 step tolerance for binary noise).
    func roundQuantity(_ qty: Double) -> Double {
        let step = properties.quantityStep
        guard step > 0, qty.isFinite else { return qty }
        // Snap values a few ULPs below a multiple up first (173.432 / 0.0001 = 1734319.9999999998).
        let raw = qty / step
        let count = (raw + max(1e-9, abs(raw) * 1e-12)).rounded(.down)
        let inverse = stepInverse
        if inverse > 0 { return count / inverse }
        return count * step
    }

    private func roundQuantityUp(_ qty: Double) -> Double {
        let step = properties.quantityStep
        guard step > 0 else { return qty }
        return (qty / step - 1e-9).rounded(.up) * step
    }

    private func commission(qty: Double, price: Double, orderShare: Double) -> Double {
        let value = properties.commissionValue
        guard value != 0 else { return 0 }
        switch properties.commissionType {
        case .percent: return qty * price * properties.pointValue * value / 100
        case .cashPerContract: return qty * value
        case .cashPerOrder: return value * orderShare
        }
    }

    private func dayNumber(_ openTime: Int64) -> Int64 {
        if let tradingDay = properties.tradingDay { return tradingDay(openTime) }
        let seconds = openTime / 1000 + properties.timezoneOffsetSeconds
        return seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }

    private func clean(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }

    // MARK: State (strategy.*)

    public var initialCapital: Double { properties.initialCapital }

    /// `strategy.position_size`: signed, positive long.
    public var positionSize: Double { aggQuantity * aggSign }

    /// `strategy.position_avg_price`: quantity-weighted entry price of the open trades; NaN when flat.
    public var positionAveragePrice: Double { aggQuantity > 0 ? aggEntryValue / aggQuantity : .nan }

    /// `strategy.position_entry_name`: the id of the first open trade.
    public var positionEntryName: String? { trades.first?.entryId }

    public var positionDirection: TradingViewDirection? { aggSign > 0 ? .long : aggSign < 0 ? .short : nil }

    public var netProfit: Double { realized }

    /// `strategy.openprofit`: unrealized P&L at the current close, net of the open trades' entry commission.
    public var openProfit: Double { openProfit(at: mark) }

    /// `strategy.equity` = initial capital + net profit + open profit.
    public var equity: Double { properties.initialCapital + realized + openProfit }

    public var grossProfit: Double { grossProfitSum }
    /// `strategy.grossloss`, a positive number.
    public var grossLoss: Double { grossLossSum }
    /// `strategy.max_drawdown`, a positive number (equity curve, with intrabar extremes).
    public var maxDrawdown: Double { maxDrawdownValue }
    public var maxRunup: Double { maxRunupValue }

    public var closedTrades: [TradingViewTrade] { closed }

    /// Open trades in entry order, valued at the current close ("Open" in TradingView's list).
    public var openTrades: [TradingViewTrade] { trades.map { snapshot($0, at: mark) } }

    /// `strategy.opentrades`.
    public var openTradeCount: Int { trades.count }
    /// `strategy.closedtrades`.
    public var closedTradeCount: Int { closed.count }
    /// `strategy.opentrades.*(index)` without building the whole list; nil out of range.
    public func openTrade(_ index: Int) -> TradingViewTrade? {
        trades.indices.contains(index) ? snapshot(trades[index], at: mark) : nil
    }
    /// `strategy.closedtrades.*(index)`; nil out of range.
    public func closedTrade(_ index: Int) -> TradingViewTrade? {
        closed.indices.contains(index) ? closed[index] : nil
    }

    public var winTrades: Int { wins }
    public var lossTrades: Int { losses }
    public var evenTrades: Int { evens }
    /// Number of filled orders (a reversal is one order).
    public var filledOrderCount: Int { fills }

    /// True once a permanent risk rule (max drawdown, max consecutive loss days) stopped trading.
    public var isHalted: Bool { haltedForever }

    private func openProfit(at price: Double) -> Double {
        guard price.isFinite, aggQuantity > 0 else { return 0 }
        return (price * aggQuantity - aggEntryValue) * aggScale - aggEntryCommission
    }

    private func snapshot(_ trade: OpenTrade, at price: Double) -> TradingViewTrade {
        let pv = properties.pointValue
        let gross = price.isFinite ? (price - trade.entryPrice) * trade.quantity * pv * trade.direction.sign : 0
        return TradingViewTrade(
            entryId: trade.entryId, entryComment: trade.entryComment, entryBarIndex: trade.entryBarIndex,
            entryTime: trade.entryTime, entryPrice: trade.entryPrice, direction: trade.direction,
            quantity: trade.quantity, profit: gross - trade.entryCommission, commission: trade.entryCommission,
            maxRunup: runup(trade, quantity: trade.quantity, entryFee: trade.entryCommission),
            maxDrawdown: drawdown(trade, quantity: trade.quantity, entryFee: trade.entryCommission),
            exitSignal: "Open")
    }

    /// An open trade's highest / lowest visited price, including the deferred path extremes.
    @inline(__always) private func maxPrice(_ trade: OpenTrade) -> Double {
        pathHigh > trade.maxPrice ? pathHigh : trade.maxPrice
    }
    @inline(__always) private func minPrice(_ trade: OpenTrade) -> Double {
        pathLow < trade.minPrice ? pathLow : trade.minPrice
    }

    /// Best open profit of (a part of) a trade, net of its entry commission, never below 0.
    private func runup(_ trade: OpenTrade, quantity: Double, entryFee: Double) -> Double {
        let move = trade.direction == .long ? maxPrice(trade) - trade.entryPrice : trade.entryPrice - minPrice(trade)
        return max(0, move * quantity * properties.pointValue - entryFee)
    }

    /// Worst open loss of (a part of) a trade, net of its entry commission, as a positive number.
    private func drawdown(_ trade: OpenTrade, quantity: Double, entryFee: Double) -> Double {
        let move = trade.direction == .long ? trade.entryPrice - minPrice(trade) : maxPrice(trade) - trade.entryPrice
        return max(0, move * quantity * properties.pointValue + entryFee)
    }

    // MARK: Script calls

    private var entriesBlocked: Bool {
        haltedForever || (haltedDay != nil && haltedDay == currentDay)
    }

    private func defaultBudget() -> Double? {
        switch properties.defaultQtyType {
        case .fixed: return nil
        case .cash: return properties.defaultQtyValue
        case .percentOfEquity: return equity * properties.defaultQtyValue / 100
        }
    }

    private func placeEntryLike(kind: OrderKind, id: String, direction: TradingViewDirection, qty: Double?,
                                limit: Double?, stop: Double?, ocaName: String?, ocaType: TradingViewOCAType,
                                comment: String?) {
        guard !entriesBlocked else { return }
        let limit = clean(limit).map(roundToTick)
        let stop = clean(stop).map(roundToTick)
        // Default sizing happens now: a cash / percent-of-equity budget (equity at this close) divided by
        // this close for a market order, or by the order's own price for a limit/stop order.
        var size: Double
        if let explicit = qty, !explicit.isNaN {
            size = explicit
        } else if let budget = defaultBudget() {
            let reference = (limit ?? stop ?? mark) * properties.pointValue
            size = reference > 0 ? budget / reference : .nan
        } else {
            size = properties.defaultQtyValue
        }
        size = roundQuantity(size)
        guard size.isFinite, size > 0 else { return }
        var order = PendingOrder(
            serial: 0, kind: kind, id: id, direction: direction, qty: size, qtyPercent: nil,
            limit: limit, stop: stop, ocaName: ocaName,
            ocaType: ocaName == nil ? .none : ocaType, comment: comment, placedBar: barIndex)
        let existing = pending.firstIndex(where: { ($0.kind == .entry || $0.kind == .order) && $0.id == id })
        if kind == .entry, !(existing.map { pending[$0].placedBar == barIndex } ?? false),
           !pyramidingAllows(direction) {
            // TradingView judges pyramiding when strategy.entry runs; a refused entry is gone for good.
            return
        }
        if let index = existing {
            // An unfilled order with the same id is modified, keeping its place in the queue.
            order.serial = pending[index].serial
            if pending[index].limit == limit, pending[index].stop == stop {
                order.stopTriggered = pending[index].stopTriggered
            }
            pending[index] = order
        } else {
            order.serial = takeSerial()
            pending.append(order)
        }
    }

    /// Whether a `strategy.entry` in `direction` fits `pyramiding`, judged against the position this bar's
    /// pending market orders will leave (closes free their slots, an opposite entry reverses).
    private func pyramidingAllows(_ direction: TradingViewDirection) -> Bool {
        var side = positionDirection
        var count = trades.count
        let limit = max(1, properties.pyramiding)
        for order in pending where order.isMarket && order.placedBar == barIndex {
            switch order.kind {
            case .closeAll:
                side = nil
                count = 0
            case .close:
                let full = order.qty == nil && (order.qtyPercent ?? 100) >= 100
                if full {
                    count -= trades.reduce(0) { $0 + ($1.entryId == order.id ? 1 : 0) }
                    if count <= 0 { side = nil; count = 0 }
                }
            case .entry:
                if side == nil || side != order.direction {
                    side = order.direction
                    count = 1
                } else if count < limit {
                    count += 1
                }
            case .order:
                break
            }
        }
        return !(side == direction && count >= limit)
    }

    private func takeSerial() -> Int {
        nextSerial += 1
        return nextSerial
    }

    /// `strategy.entry`: opens or adds to a position (subject to `pyramiding`); opposite to the position it
    /// closes the position and opens `qty` the other way in the same fill.
    public func entry(id: String, direction: TradingViewDirection, qty: Double?, limit: Double?, stop: Double?,
                      ocaName: String?, ocaType: TradingViewOCAType, comment: String?) {
        placeEntryLike(kind: .entry, id: id, direction: direction, qty: qty, limit: limit, stop: stop,
                       ocaName: ocaName, ocaType: ocaType, comment: comment)
    }

    /// `strategy.order`: buys or sells `qty`, ignoring `pyramiding`; against a position it reduces it (FIFO)
    /// and any remainder opens a position the other way.
    public func order(id: String, direction: TradingViewDirection, qty: Double?, limit: Double?, stop: Double?,
                      ocaName: String?, ocaType: TradingViewOCAType, comment: String?) {
        placeEntryLike(kind: .order, id: id, direction: direction, qty: qty, limit: limit, stop: stop,
                       ocaName: ocaName, ocaType: ocaType, comment: comment)
    }

    /// `strategy.close`: a market order closing the open trades whose entry id is `id` (all of them, or
    /// `qty` contracts, or `qtyPercent` of their quantity). Fills at the next open, at this close with
    /// `process_orders_on_close`, or right now at this close with `immediately`.
    ///
    /// Closes placed on one bar **stack** (a 30 % + 30 % + 40 % ladder closes 3 + 3 + 4 of 10):
    /// `qty_percent` is taken of the quantity open when the close is placed.
    public func close(id: String, qty: Double?, qtyPercent: Double?, comment: String?, immediately: Bool) {
        close(id: id, qty: qty, qtyPercent: qtyPercent, comment: comment, immediately: immediately, callSite: nil)
    }

    /// `strategy.close` from script statement `callSite`: a repeated call of the same statement on the same
    /// bar (a loop, a function called twice) modifies its pending close instead of stacking another one.
    public func close(id: String, qty: Double?, qtyPercent: Double?, comment: String?, immediately: Bool,
                      callSite: Int?) {
        var qty = clean(qty), qtyPercent = clean(qtyPercent)
        if qty == nil, let percent = qtyPercent {
            let open = trades.reduce(0) { $0 + ($1.entryId == id ? $1.quantity : 0) }
            if open > 0 {
                qty = open * percent / 100
                qtyPercent = nil
            }
        }
        var order = PendingOrder(
            serial: takeSerial(), kind: .close, id: id, direction: .long, qty: qty, qtyPercent: qtyPercent,
            limit: nil, stop: nil, ocaName: nil, ocaType: .none, comment: comment, placedBar: barIndex)
        order.callSite = callSite
        if immediately {
            execute(order, at: mark, slipped: true)
            return
        }
        if let callSite {
            let bar = barIndex
            pending.removeAll { $0.kind == .close && $0.id == id && $0.callSite == callSite && $0.placedBar == bar }
        }
        pending.append(order)
    }

    /// `strategy.close_all`: a market order closing the whole position.
    public func closeAll(comment: String?, immediately: Bool) {
        let order = PendingOrder(
            serial: takeSerial(), kind: .closeAll, id: "", direction: .long, qty: nil, qtyPercent: nil,
            limit: nil, stop: nil, ocaName: nil, ocaType: .none, comment: comment, placedBar: barIndex)
        if immediately {
            execute(order, at: mark, slipped: true)
            return
        }
        pending.removeAll { $0.kind == .closeAll }
        pending.append(order)
    }

    /// `strategy.exit`: take-profit (`limit` price or `profit` ticks), stop-loss (`stop` price or `loss`
    /// ticks) and trailing stop (`trail_price` or `trail_points` ticks to activate, `trail_offset` ticks
    /// behind the best price) for each open trade from `fromEntry` (all trades when nil), including
    /// trades a pending entry opens later. Each trade is exited at most once by one exit id.
    public func exit(id: String, fromEntry: String?, qty: Double?, qtyPercent: Double?, profit: Double?,
                     limit: Double?, loss: Double?, stop: Double?, trailPrice: Double?, trailPoints: Double?,
                     trailOffset: Double?, ocaName: String?, comment: String?, commentProfit: String?,
                     commentLoss: String?, commentTrailing: String?) {
        // The exit is identified by its key (id and from_entry). Equal ids and from_entry give equal keys, and
        // at most one exit has a given key, so the usual repeated call is found without building the key.
        var found: Int? = nil
        for index in exitSpecs.indices where exitSpecs[index].id == id && exitSpecs[index].fromEntry == fromEntry {
            found = index
            break
        }
        if let index = found, Self.identical(exitSpecs[index].id, id),
           Self.identical(exitSpecs[index].fromEntry, fromEntry),
           exitSpecs[index].boundDirection == (fromEntry == nil ? positionDirection : nil),
           Self.sameClean(exitSpecs[index].qty, qty), Self.sameClean(exitSpecs[index].qtyPercent, qtyPercent),
           Self.sameClean(exitSpecs[index].profit, profit), Self.sameClean(exitSpecs[index].loss, loss),
           Self.sameClean(exitSpecs[index].trailPoints, trailPoints),
           Self.sameClean(exitSpecs[index].trailOffset, trailOffset),
           Self.same(exitSpecs[index].limit, clean(limit).map(roundToTick)),
           Self.same(exitSpecs[index].stop, clean(stop).map(roundToTick)),
           Self.same(exitSpecs[index].trailPrice, clean(trailPrice).map(roundToTick)),
           Self.identical(exitSpecs[index].ocaName, ocaName), Self.identical(exitSpecs[index].comment, comment),
           Self.identical(exitSpecs[index].commentProfit, commentProfit),
           Self.identical(exitSpecs[index].commentLoss, commentLoss),
           Self.identical(exitSpecs[index].commentTrailing, commentTrailing) {
            // The usual call on every bar, repeating the exit exactly (so it has a level): nothing to store.
            return
        }
        let qty = clean(qty), qtyPercent = clean(qtyPercent), profit = clean(profit)
        let limit = clean(limit).map(roundToTick), loss = clean(loss), stop = clean(stop).map(roundToTick)
        let trailPrice = clean(trailPrice).map(roundToTick), trailPoints = clean(trailPoints)
        let trailOffset = clean(trailOffset)
        guard profit != nil || limit != nil || loss != nil || stop != nil || trailPrice != nil || trailPoints != nil
        else { return }
        let bound = fromEntry == nil ? positionDirection : nil
        var key: String? = nil
        if found == nil {
            let built = ExitSpec.key(id: id, fromEntry: fromEntry)
            found = exitSpecs.firstIndex(where: { $0.key == built })
            key = built
        }
        if let index = found {
            // Modified in place: same serial, key (equal) and identity; everything else from this call.
            exitSpecs[index].id = id
            exitSpecs[index].fromEntry = fromEntry
            exitSpecs[index].qty = qty
            exitSpecs[index].qtyPercent = qtyPercent
            exitSpecs[index].profit = profit
            exitSpecs[index].limit = limit
            exitSpecs[index].loss = loss
            exitSpecs[index].stop = stop
            exitSpecs[index].trailPrice = trailPrice
            exitSpecs[index].trailPoints = trailPoints
            exitSpecs[index].trailOffset = trailOffset
            exitSpecs[index].ocaName = ocaName
            exitSpecs[index].comment = comment
            exitSpecs[index].commentProfit = commentProfit
            exitSpecs[index].commentLoss = commentLoss
            exitSpecs[index].commentTrailing = commentTrailing
            exitSpecs[index].boundDirection = bound
            if key != nil {
                // Found by key alone (ids containing the key's separators): from_entry may differ.
                collectNamesIfNeeded()
                exitSpecs[index].fromCode = fromEntry.map(name) ?? -1
            }
        } else if let key {
            collectNamesIfNeeded()
            var spec = ExitSpec(
                serial: takeSerial(), id: id, fromEntry: fromEntry, qty: qty, qtyPercent: qtyPercent,
                profit: profit, limit: limit, loss: loss, stop: stop, trailPrice: trailPrice,
                trailPoints: trailPoints, trailOffset: trailOffset, ocaName: ocaName, comment: comment,
                commentProfit: commentProfit, commentLoss: commentLoss, commentTrailing: commentTrailing)
            spec.boundDirection = bound
            spec.key = key
            spec.uid = name(key)
            spec.fromCode = fromEntry.map(name) ?? -1
            exitSpecs.append(spec)
        }
    }

    /// Whether storing `b` over `a` would change nothing: the same string storage (or the same small string,
    /// or both nil). Equal strings in different storage count as different (they may differ in code units).
    @inline(__always)
    private static func identical(_ a: String?, _ b: String?) -> Bool {
        unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
    }

    /// `same(stored, clean(raw))` without building the cleaned optional.
    @inline(__always)
    private static func sameClean(_ stored: Double?, _ raw: Double?) -> Bool {
        if let raw, raw.isFinite {
            guard let stored else { return false }
            return stored.bitPattern == raw.bitPattern
        }
        return stored == nil
    }

    /// Bit-for-bit equality of two optional numbers (0.0 and -0.0 differ).
    @inline(__always)
    private static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return x.bitPattern == y.bitPattern
        default: return false
        }
    }

    /// The integer for `string`: equal strings (as `==` compares them) get equal integers for as long as an
    /// exit or an open trade refers to them.
    private func name(_ string: String) -> Int {
        if let code = names[string] { return code }
        nextName += 1
        names[string] = nextName
        return nextName
    }

    /// Forgets the names no exit and no open trade refers to any more, once the table has doubled (called
    /// before interning, so a name being interned is never dropped).
    private func collectNamesIfNeeded() {
        guard names.count >= namesCollectAt else { return }
        var live = Set<Int>()
        for spec in exitSpecs {
            live.insert(spec.uid)
            live.insert(spec.fromCode)
        }
        for trade in trades {
            live.insert(trade.entryCode)
            for leg in trade.legs { live.insert(leg.uid) }
        }
        names = names.filter { live.contains($0.value) }
        namesCollectAt = max(64, 2 * names.count)
    }

    /// `strategy.cancel`: removes the unfilled entry/order orders and exit orders named `id`.
    public func cancel(id: String) {
        pending.removeAll { ($0.kind == .entry || $0.kind == .order) && $0.id == id }
        exitSpecs.removeAll { $0.id == id }
    }

    /// `strategy.cancel_all`: removes every unfilled entry/order order and every exit order.
    public func cancelAll() {
        pending.removeAll { $0.kind == .entry || $0.kind == .order }
        exitSpecs.removeAll()
    }

    // MARK: Bars

    /// Start of bar `index`: fills the orders placed on earlier bars against this bar — market orders at
    /// the open (± slippage), then limit/stop/exit orders along open → nearer extreme → other extreme →
    /// close (an order already satisfied at a point fills there, so gaps fill at the open).
    public func beginBar(_ bar: Bar, index: Int) {
        self.bar = bar
        barIndex = index
        if !usesDaysOrMargin && pending.isEmpty && exitSpecs.isEmpty {
            // Nothing can fill inside the bar: only the open trades' extremes move.
            if !trades.isEmpty { visitRange(high: bar.high, low: bar.low) }
            mark = bar.close
            return
        }
        beginBarSlow(bar, index: index)
    }

    /// `beginBar` with orders to fill, day boundaries or margin to check.
    @inline(never)
    private func beginBarSlow(_ bar: Bar, index: Int) {
        if usesDays { startDay(bar) }

        if pending.isEmpty && exitSpecs.isEmpty {
            // Nothing can fill inside the bar: only the open trades' extremes move.
            if !trades.isEmpty {
                if usesMargin {
                    mark = bar.open
                    marginCall(at: bar.open)
                }
                visitRange(high: bar.high, low: bar.low)
            }
        } else {
            mark = bar.open
            processOrders(bar, index: index)
        }
        mark = bar.close
        if usesMargin, let direction = positionDirection {
            marginCall(at: direction == .long ? bar.low : bar.high)
            mark = bar.close
        }
    }

    @inline(never)
    private func processOrders(_ bar: Bar, index: Int) {
        let open = bar.open
        visit(open)
        // Market orders first, in the order they were placed.
        fillMarketOrders(at: open) { $0 < index }
        // Price orders satisfied at the open (gaps), then the path. TradingView's rule: open → the
        // extreme nearer to the open → the other extreme → close; on a tie the low comes first.
        let highFirst = (bar.high - open) < (open - bar.low)
        let first = highFirst ? bar.high : bar.low
        let second = highFirst ? bar.low : bar.high
        let close = bar.close
        if pathIsQuiet(open, first, second, close) {
            // No order or exit level lies within the bar's range: the walks below would fire nothing and
            // only visit their end points (pruning and the margin check at the open in between).
            mark = open
            visit(open)
            pruneExits()
            if usesMargin { marginCall(at: open) }
            mark = first
            visit(first)
            mark = second
            visit(second)
            mark = close
            visit(close)
            return
        }
        walk(from: open, to: open)
        pruneExits()
        if usesMargin { marginCall(at: open) }
        walk(from: open, to: first)
        walk(from: first, to: second)
        walk(from: second, to: bar.close)
    }

    // MARK: Quiet bars

    /// The `stateVersion` `bandLow` / `bandHigh` / `bandTrails` were computed at.
    @exclusivity(unchecked) private var bandVersion = -1
    /// Every price-order or exit level that fires when price falls to it is ≤ `bandLow`, every one that fires
    /// when price rises to it ≥ `bandHigh` (NaN: unknown), except the armed trailing stops in `bandTrails`
    /// (trade index, leg index, exit index), whose level moves with the price.
    @exclusivity(unchecked) private var bandLow = -Double.infinity
    @exclusivity(unchecked) private var bandHigh = Double.infinity
    @exclusivity(unchecked) private var bandTrails: [(trade: Int, leg: Int, spec: Int)] = []

    /// Whether the path through these points (all finite) can reach no price order and no exit level, so that
    /// walking it would fire nothing. Conservative: false whenever in doubt.
    @inline(__always)
    private func pathIsQuiet(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Bool {
        guard (a - a) + (b - b) + (c - c) + (d - d) == 0 else { return false }
        let lo = min(min(a, b), min(c, d))
        let hi = max(max(a, b), max(c, d))
        if bandVersion != stateVersion { rebuildBand() }
        guard lo > bandLow, hi < bandHigh else { return false }
        return bandTrails.isEmpty || trailsQuiet(lo: lo, hi: hi)
    }

    /// The armed trailing stops cannot be reached inside [lo, hi]: a long's stop trails the highest price,
    /// which stays ≤ max(extreme, hi) on this path (a short's mirrors it), and the level is monotonic in it.
    @inline(never)
    private func trailsQuiet(lo: Double, hi: Double) -> Bool {
        for entry in bandTrails {
            let t = entry.trade
            let sign = trades[t].direction.sign
            let extreme = trades[t].legs[entry.leg].trailExtreme
            let offset = exitSpecs[entry.spec].trailOffset ?? 0
            if trades[t].direction == .long {
                let best = hi > extreme ? hi : extreme
                let level = roundToTick(best - sign * offset * tick)
                if !(lo > level) { return false }
            } else {
                let best = lo < extreme ? lo : extreme
                let level = roundToTick(best - sign * offset * tick)
                if !(hi < level) { return false }
            }
        }
        return true
    }

    /// Gathers the levels `firstEvent` would consider (every price order, whatever bar placed it).
    @inline(never)
    private func rebuildBand() {
        var low = -Double.infinity
        var high = Double.infinity
        @inline(__always) func falls(_ level: Double) { if level.isNaN || level > low { low = level } }
        @inline(__always) func rises(_ level: Double) { if level.isNaN || level < high { high = level } }
        bandTrails.removeAll(keepingCapacity: true)
        let through = Double(max(0, properties.backtestFillLimitsAssumption)) * tick
        for o in pending.indices where pending[o].isPriceOrder {
            let kind = pending[o].kind
            let buy = kind == .entry || kind == .order ? pending[o].direction == .long : true
            if let stop = pending[o].stop, !pending[o].stopTriggered {
                if buy { rises(stop) } else { falls(stop) }
            } else if let limit = pending[o].limit {
                if buy { falls(limit - through) } else { rises(limit + through) }
            }
        }
        for s in exitSpecs.indices {
            let uid = exitSpecs[s].uid
            let hasTrailing = exitSpecs[s].hasTrailing
            for t in trades.indices where specMatches(s, t) {
                var trailActive = false
                var legAt = -1
                if let l = legIndex(uid, trade: t) {
                    if trades[t].legs[l].consumed { continue }
                    trailActive = trades[t].legs[l].trailActive
                    legAt = l
                }
                let long = trades[t].direction == .long
                // The fixed levels (the trailing stop, when armed, is bounded separately).
                let levels = legLevels(s, t, trailActive: false, trailExtreme: .nan)
                if let limit = levels.limit {
                    if long { rises(limit + through) } else { falls(limit - through) }
                }
                if let stop = levels.stop {
                    if long { falls(stop) } else { rises(stop) }
                }
                if trailActive {
                    bandTrails.append((trade: t, leg: legAt, spec: s))
                } else if hasTrailing, let activation = trailActivation(s, t) {
                    if long { rises(activation) } else { falls(activation) }
                }
            }
        }
        bandLow = low
        bandHigh = high
        bandVersion = stateVersion
    }

    /// The id of the entry/order order being filled: it still counts as a pending entry for exits waiting on it.
    private var inFlightEntryId: String? = nil

    @inline(__always)
    private func executeInFlight(_ order: PendingOrder, at price: Double, slipped: Bool) {
        inFlightEntryId = order.kind == .entry || order.kind == .order ? order.id : nil
        execute(order, at: price, slipped: slipped)
        inFlightEntryId = nil
    }

    private func fillMarketOrders(at price: Double, placedOn include: (Int) -> Bool) {
        while let index = pending.firstIndex(where: { $0.isMarket && include($0.placedBar) }) {
            executeInFlight(pending.remove(at: index), at: price, slipped: true)
        }
    }

    /// After the script ran on this bar's close: `process_orders_on_close` fills, equity bookkeeping and
    /// the risk rules.
    public func endBar() {
        mark = bar.close
        if processesOnCloseOrRisk {
            endBarSlow()
            return
        }
        trackEquity()
    }

    @inline(never)
    private func endBarSlow() {
        if properties.processOrdersOnClose {
            let current = barIndex
            fillMarketOrders(at: bar.close) { $0 == current }
        }
        trackEquity()
        if usesRiskRules { applyRiskRules() }
    }

    /// End of data: nothing is closed; open trades stay open (TradingView lists them as "Open").
    public func finish() {}

    // MARK: Path

    @inline(__always)
    private func visitRange(high: Double, low: Double) {
        // Both finite (x - x is NaN for an infinite or NaN x).
        guard (high - high) + (low - low) == 0 else { return }
        if high > pathHigh { pathHigh = high }
        if low < pathLow { pathLow = low }
    }

    /// Records a visited price for the open trades' run-up/drawdown and the trailing stops' extremes.
    @inline(__always)
    private func visit(_ price: Double) {
        guard price.isFinite else { return }
        if price > pathHigh { pathHigh = price }
        if price < pathLow { pathLow = price }
        if activeTrails > 0 { visitTrails(price) }
    }

    /// Number of armed trailing legs on the open trades.
    @exclusivity(unchecked) private var activeTrails = 0

    @inline(never)
    private func visitTrails(_ price: Double) {
        for t in trades.indices where !trades[t].legs.isEmpty {
            let long = trades[t].direction == .long
            for l in trades[t].legs.indices where trades[t].legs[l].trailActive {
                let extreme = trades[t].legs[l].trailExtreme
                if long ? price > extreme : price < extreme {
                    trades[t].legs[l].trailExtreme = price
                }
            }
        }
    }

    /// The index of exit `uid`'s leg state in open trade `t`, or nil (a fresh leg).
    @inline(__always)
    private func legIndex(_ uid: Int, trade t: Int) -> Int? {
        var l = 0
        let count = trades[t].legs.count
        while l < count {
            if trades[t].legs[l].uid == uid { return l }
            l += 1
        }
        return nil
    }

    @inline(__always)
    private func tradeIndex(serial: Int) -> Int? {
        var t = 0
        let count = trades.count
        while t < count {
            if trades[t].serial == serial { return t }
            t += 1
        }
        return nil
    }

    /// `exitSpecs[s].matches(trades[t])`, reading the fields in place.
    @inline(__always)
    private func specMatches(_ s: Int, _ t: Int) -> Bool {
        let from = exitSpecs[s].fromCode
        if from >= 0 && from != trades[t].entryCode { return false }
        guard let bound = exitSpecs[s].boundDirection else { return true }
        return bound == trades[t].direction
    }

    /// Walks one monotonic segment of the intrabar path, firing events in the order price reaches them.
    private func walk(from start: Double, to end: Double) {
        var current = start
        var guardCount = 0
        while let event = firstEvent(from: current, to: end) {
            guardCount += 1
            if guardCount > 10_000 { break }
            current = event.price
            mark = current
            visit(current)
            fire(event)
        }
        mark = end
        visit(end)
    }

    /// The price at which a condition first holds along [from, to], or nil.
    /// `above`: the condition is "price ≥ level" (else "price ≤ level").
    @inline(__always)
    private func reach(_ level: Double, above: Bool, from: Double, to: Double) -> Double? {
        if above {
            if from >= level { return from }
            if to >= level { return level }
        } else {
            if from <= level { return from }
            if to <= level { return level }
        }
        return nil
    }

    private func firstEvent(from: Double, to: Double) -> PriceEvent? {
        if pending.isEmpty && exitSpecs.isEmpty { return nil }
        var best = PriceEvent(price: 0, fill: 0, priority: 0, target: .order(serial: 0))
        var found = false
        let rising = to >= from
        @inline(__always)
        func consider(_ price: Double?, _ priority: Int, _ target: EventTarget, fill: Double? = nil) {
            guard let price else { return }
            if found {
                let earlier = rising ? price < best.price : price > best.price
                if earlier || (price == best.price && priority < best.priority) {
                    best = PriceEvent(price: price, fill: fill ?? price, priority: priority, target: target)
                }
            } else {
                best = PriceEvent(price: price, fill: fill ?? price, priority: priority, target: target)
                found = true
            }
        }
        // backtest_fill_limits_assumption: a limit fills inside the bar only once price goes through it by
        // N ticks, and then at the limit price; already through it at a point (a gap), it fills there.
        let through = Double(max(0, properties.backtestFillLimitsAssumption)) * tick
        @inline(__always)
        func considerLimit(_ limit: Double, buy: Bool, _ priority: Int, _ target: EventTarget) {
            let trigger = buy ? limit - through : limit + through
            guard let x = reach(trigger, above: !buy, from: from, to: to) else { return }
            let atStart = x == from && (buy ? from <= trigger : from >= trigger)
            consider(x, priority, target, fill: atStart ? x : limit)
        }
        // Ties at one price go to the order placed first (serial × 4; an exit's legs take +0…+2).
        let current = barIndex
        for o in pending.indices where pending[o].isPriceOrder && pending[o].placedBar < current {
            let kind = pending[o].kind
            let buy = kind == .entry || kind == .order ? pending[o].direction == .long : true
            let serial = pending[o].serial
            if let stop = pending[o].stop, !pending[o].stopTriggered {
                consider(reach(stop, above: buy, from: from, to: to), serial * 4,
                         pending[o].limit == nil ? .order(serial: serial) : .stopTrigger(serial: serial))
            } else if let limit = pending[o].limit {
                considerLimit(limit, buy: buy, serial * 4, .order(serial: serial))
            }
        }
        for s in exitSpecs.indices {
            let uid = exitSpecs[s].uid
            let priority = exitSpecs[s].serial * 4
            let hasTrailing = exitSpecs[s].hasTrailing
            for t in trades.indices where specMatches(s, t) {
                var trailActive = false
                var trailExtreme = Double.nan
                if let l = legIndex(uid, trade: t) {
                    if trades[t].legs[l].consumed { continue }
                    trailActive = trades[t].legs[l].trailActive
                    trailExtreme = trades[t].legs[l].trailExtreme
                }
                let long = trades[t].direction == .long
                let serial = trades[t].serial
                let levels = legLevels(s, t, trailActive: trailActive, trailExtreme: trailExtreme)
                // Exit legs sell a long (limit above, stop below) and buy back a short.
                if let limit = levels.limit {
                    considerLimit(limit, buy: !long, priority, .exitLimit(spec: uid, trade: serial))
                }
                if let stop = levels.stop {
                    consider(reach(stop, above: !long, from: from, to: to), priority + 1,
                             .exitStop(spec: uid, trade: serial, trailing: levels.stopIsTrailing))
                }
                if hasTrailing, !trailActive, let activation = trailActivation(s, t) {
                    consider(reach(activation, above: long, from: from, to: to), priority + 2,
                             .trailActivation(spec: uid, trade: serial))
                }
            }
        }
        return found ? best : nil
    }

    /// The trailing stop's activation level for exit `s` on trade `t`: the level reached first of
    /// `trail_price` and `trail_points` (the lower one for a long, the higher for a short).
    @inline(__always)
    private func trailActivation(_ s: Int, _ t: Int) -> Double? {
        let long = trades[t].direction == .long
        var level = exitSpecs[s].trailPrice
        if let points = exitSpecs[s].trailPoints {
            let sign = trades[t].direction.sign
            let byPoints = roundToTick(trades[t].entryPrice + sign * points * tick)
            // As `[trail_price, byPoints].min()` / `.max()`.
            if let price = level {
                level = long ? (byPoints < price ? byPoints : price) : (price < byPoints ? byPoints : price)
            } else {
                level = byPoints
            }
        }
        return level
    }

    /// The take-profit and stop levels of exit `s` on trade `t` (the trailing stop when armed and tighter).
    @inline(__always)
    private func legLevels(_ s: Int, _ t: Int, trailActive: Bool, trailExtreme: Double)
        -> (limit: Double?, stop: Double?, stopIsTrailing: Bool) {
        let long = trades[t].direction == .long
        let sign = trades[t].direction.sign
        let entryPrice = trades[t].entryPrice
        // The level hit first: for a long the lower take-profit and the higher stop (as `[a, b].min()` /
        // `.max()`: the first unless the second is strictly beyond it).
        var limit = exitSpecs[s].limit
        if let profit = exitSpecs[s].profit {
            let level = roundToTick(entryPrice + sign * profit * tick)
            if let current = limit {
                limit = long ? (level < current ? level : current) : (current < level ? level : current)
            } else {
                limit = level
            }
        }
        var stop = exitSpecs[s].stop
        if let loss = exitSpecs[s].loss {
            let level = roundToTick(entryPrice - sign * loss * tick)
            if let current = stop {
                stop = long ? (current < level ? level : current) : (level < current ? level : current)
            } else {
                stop = level
            }
        }
        var isTrailing = false
        if trailActive {
            let trailing = roundToTick(trailExtreme - sign * (exitSpecs[s].trailOffset ?? 0) * tick)
            if let current = stop {
                if long ? trailing > current : trailing < current {
                    stop = trailing
                    isTrailing = true
                }
            } else {
                stop = trailing
                isTrailing = true
            }
        }
        return (limit, stop, isTrailing)
    }

    private func fire(_ event: PriceEvent) {
        switch event.target {
        case .order(let serial):
            guard let index = pending.firstIndex(where: { $0.serial == serial }) else { return }
            let order = pending.remove(at: index)
            // Stop orders take slippage; limit orders (and triggered stop-limits) never do.
            executeInFlight(order, at: event.fill, slipped: order.limit == nil)
        case .stopTrigger(let serial):
            guard let index = pending.firstIndex(where: { $0.serial == serial }) else { return }
            pending[index].stopTriggered = true
        case .exitLimit(let uid, let tradeSerial):
            fireExit(uid: uid, tradeSerial: tradeSerial, price: event.fill, kind: .profit)
        case .exitStop(let uid, let tradeSerial, let trailing):
            fireExit(uid: uid, tradeSerial: tradeSerial, price: event.price,
                     kind: trailing ? .trailing : .loss)
        case .trailActivation(let uid, let tradeSerial):
            guard let t = tradeIndex(serial: tradeSerial) else { return }
            if let l = legIndex(uid, trade: t) {
                if !trades[t].legs[l].trailActive { activeTrails += 1 }
                trades[t].legs[l].trailActive = true
                trades[t].legs[l].trailExtreme = event.price
            } else {
                trades[t].legs.append(Leg(uid: uid, trailActive: true, trailExtreme: event.price))
                activeTrails += 1
            }
        }
    }

    enum ExitKind { case profit, loss, trailing }

    private func fireExit(uid: Int, tradeSerial: Int, price: Double, kind: ExitKind) {
        guard let specIndex = exitSpecs.firstIndex(where: { $0.uid == uid }),
              let tradeIndex = tradeIndex(serial: tradeSerial) else { return }
        let spec = exitSpecs[specIndex]
        let trade = trades[tradeIndex]
        if let l = legIndex(uid, trade: tradeIndex) {
            trades[tradeIndex].legs[l].consumed = true
        } else {
            trades[tradeIndex].legs.append(Leg(uid: uid, consumed: true))
        }

        let qty = legQuantity(spec, trade)
        guard qty > 0 else { return }
        let fillPrice: Double
        if kind == .profit {
            fillPrice = price
        } else {
            let slip = slippage
            // A stop that closes a long sells: slippage lowers the price.
            fillPrice = slip > 0 ? roundToTick(price - trade.direction.sign * slip) : price
        }
        let comment: String?
        switch kind {
        case .profit: comment = spec.commentProfit ?? spec.comment
        case .loss: comment = spec.commentLoss ?? spec.comment
        case .trailing: comment = spec.commentTrailing ?? spec.comment
        }
        // FIFO: the quantity comes out of the oldest open trades first; ANY: out of the leg's own trade.
        let serials: [Int]? = properties.closeEntriesRule == .fifo ? nil : [tradeSerial]
        let closedQty = closeQuantity(qty, from: serials, price: fillPrice, exitId: spec.id, exitComment: comment,
                                      exitSignal: comment ?? spec.id, totalOrderQty: qty)
        if closedQty > 0 { countFill(at: fillPrice) }
        pruneExits()
    }

    /// The slice of a trade's original quantity an exit leg with `qty` / `qty_percent` reserves.
    private func reservedSlice(_ spec: ExitSpec, _ trade: OpenTrade) -> Double {
        let wanted = spec.qty ?? trade.originalQuantity * (spec.qtyPercent ?? 100) / 100
        return wanted >= trade.originalQuantity ? trade.originalQuantity : roundQuantity(wanted)
    }

    /// What an exit leg closes of a trade: its reserved slice; a leg without `qty`/`qty_percent` closes the
    /// original quantity minus the slices its sibling legs reserve (spent or not); never more than is open.
    private func legQuantity(_ spec: ExitSpec, _ trade: OpenTrade) -> Double {
        var qty: Double
        if spec.hasQuantity {
            qty = reservedSlice(spec, trade)
        } else {
            qty = trade.originalQuantity
            for other in exitSpecs where other.uid != spec.uid && other.hasQuantity && other.matches(trade) {
                qty -= reservedSlice(other, trade)
            }
            qty = max(0, qty)
        }
        return min(qty, trade.quantity)
    }

    // MARK: Execution

    /// Fills one order at `basePrice` (plus adverse slippage for market/stop orders when `slipped`).
    private func execute(_ order: PendingOrder, at basePrice: Double, slipped: Bool) {
        guard basePrice.isFinite else { return }
        switch order.kind {
        case .close, .closeAll:
            let all = order.kind == .closeAll
            // Σ quantity in trade order (as `reduce(0, +)`), and the side, without building the list.
            var total = 0.0
            var closesLong = false
            var matched = false
            for index in trades.indices where all || trades[index].entryId == order.id {
                if !matched { closesLong = trades[index].direction == .long }
                matched = true
                total += trades[index].quantity
            }
            guard matched, total > 0 else { return }
            var qty = total
            if order.kind == .close {
                if let explicit = order.qty { qty = min(total, explicit) }
                else if let percent = order.qtyPercent { qty = min(total, total * percent / 100) }
                if qty < total { qty = roundQuantity(qty) }
            }
            guard qty > 0 else { return }
            let price = fill(basePrice, buy: !closesLong, slipped: slipped)
            let signal: String
            let exitId: String
            if order.kind == .closeAll {
                exitId = "Close position order"
                signal = order.comment ?? exitId
            } else {
                exitId = order.id
                signal = order.comment ?? "Close entry(s) order \(order.id)"
            }
            let serials = all ? nil : trades.compactMap { $0.entryId == order.id ? $0.serial : nil }
            _ = closeQuantity(qty, from: serials, price: price, exitId: exitId,
                              exitComment: order.comment, exitSignal: signal, totalOrderQty: qty)
            countFill(at: price)
            pruneExits()
        case .entry, .order:
            executeEntry(order, basePrice: basePrice, slipped: slipped)
        }
    }

    private func fill(_ base: Double, buy: Bool, slipped: Bool) -> Double {
        let slip = slipped ? slippage : 0
        guard slip > 0 else { return base }
        return roundToTick(base + (buy ? slip : -slip))
    }

    /// Entry/order quantities are resolved (and rounded) when the order is placed.
    private func resolvedQuantity(_ order: PendingOrder, price: Double) -> Double {
        order.qty ?? 0
    }

    private func executeEntry(_ order: PendingOrder, basePrice: Double, slipped: Bool) {
        let side = order.direction
        let price = fill(basePrice, buy: side == .long, slipped: slipped)
        let position = positionDirection
        var qty = resolvedQuantity(order, price: price)

        if order.kind == .entry {
            if let allowed = properties.riskAllowEntryIn, side != allowed {
                // allow_entry_in: an entry the other way only closes the position.
                guard position == allowed else { return }
                let open = abs(positionSize)
                closeAllTrades(at: price, order: order, totalOrderQty: open)
                applyOCA(order, filledQty: open)
                countFill(at: price)
                return
            }
            if position == side, trades.count >= max(1, properties.pyramiding) { return }
        }

        var reversedQty = 0.0
        if let position, position != side {
            let open = abs(positionSize)
            if order.kind == .order {
                // strategy.order nets against the position; a remainder opens the other way.
                qty = roundQuantity(qty)
                let reduce = min(qty, open)
                let remainder = roundQuantity(qty - reduce)
                let total = reduce + max(0, remainder)
                _ = closeQuantity(reduce, from: nil, price: price, exitId: order.id,
                                  exitComment: order.comment, exitSignal: order.comment ?? order.id,
                                  totalOrderQty: total)
                pruneExits()
                qty = remainder
                reversedQty = reduce
            } else {
                qty = limitBySize(roundQuantity(qty), existing: 0)
                // Two opposite entries placed on the same bar are margined together (the closing leg's
                // margin is not freed first): if both legs do not fit, the reversal is dropped.
                let margin = side == .long ? properties.marginLong : properties.marginShort
                if qty > 0, margin > 0, trades.allSatisfy({ $0.orderPlacedBar == order.placedBar }) {
                    let required = (open + qty) * price * properties.pointValue * margin / 100
                    let equityThere = properties.initialCapital + realized + openProfit(at: price)
                    if required > equityThere + 1e-9 * max(1, abs(equityThere)) { return }
                }
                closeAllTrades(at: price, order: order, totalOrderQty: open + max(0, qty))
                reversedQty = open
            }
        } else {
            qty = limitBySize(roundQuantity(qty), existing: abs(positionSize))
            // A fresh entry or add that the equity cannot margin at the fill price is rejected.
            if qty > 0, !marginAllows(side: side, adding: qty, at: price) { return }
        }

        if qty > 0 {
            let total = qty + reversedQty
            let fee = commission(qty: qty, price: price, orderShare: total > 0 ? qty / total : 1)
            nextTradeSerial += 1
            flushPath()
            collectNamesIfNeeded()
            let entryCode = name(order.id)
            trades.append(OpenTrade(
                serial: nextTradeSerial, entryId: order.id, entryComment: order.comment, entryBarIndex: barIndex,
                entryTime: bar.openTime, entryPrice: price, direction: side, quantity: qty, originalQuantity: qty,
                entryCommission: fee,
                maxPrice: price, minPrice: price, orderPlacedBar: order.placedBar, entryCode: entryCode))
            tradesChanged()
            for index in exitSpecs.indices where exitSpecs[index].fromEntry == nil && exitSpecs[index].boundDirection == nil {
                exitSpecs[index].boundDirection = side
            }
        }
        if qty > 0 || reversedQty > 0 {
            applyOCA(order, filledQty: qty + reversedQty)
            countFill(at: price)
        }
    }

    private func marginAllows(side: TradingViewDirection, adding qty: Double, at price: Double) -> Bool {
        let margin = side == .long ? properties.marginLong : properties.marginShort
        guard margin > 0 else { return true }
        let required = (aggQuantity + qty) * price * properties.pointValue * margin / 100
        let equityThere = properties.initialCapital + realized + openProfit(at: price)
        return required <= equityThere + 1e-9 * max(1, abs(equityThere))
    }

    private func limitBySize(_ qty: Double, existing: Double) -> Double {
        guard let maximum = properties.riskMaxPositionSize else { return qty }
        return roundQuantity(min(qty, max(0, maximum - existing)))
    }

    private func closeAllTrades(at price: Double, order: PendingOrder, totalOrderQty: Double) {
        let qty = trades.reduce(0) { $0 + $1.quantity }
        _ = closeQuantity(qty, from: nil, price: price, exitId: order.id,
                          exitComment: order.comment, exitSignal: order.comment ?? order.id,
                          totalOrderQty: totalOrderQty)
        pruneExits()
    }

    /// Closes `qty` contracts taken from the trades `serials` in that order (nil: all open trades, oldest
    /// first); returns the quantity closed.
    @discardableResult
    private func closeQuantity(_ qty: Double, from serials: [Int]?, price: Double, exitId: String?,
                               exitComment: String?, exitSignal: String, totalOrderQty: Double) -> Double {
        var remaining = qty
        var closedQty = 0.0
        if let serials {
            for serial in serials where remaining > 1e-12 {
                guard let index = trades.firstIndex(where: { $0.serial == serial }) else { continue }
                let part = closePart(at: index, upTo: remaining, price: price, exitId: exitId,
                                     exitComment: exitComment, exitSignal: exitSignal, totalOrderQty: totalOrderQty)
                remaining -= part
                closedQty += part
            }
        } else {
            // The same walk over a snapshot of the serials: a wholly closed trade leaves the array (the next
            // one moves to `index`); a partial close uses up `remaining`.
            var index = 0
            while remaining > 1e-12, index < trades.count {
                let count = trades.count
                let part = closePart(at: index, upTo: remaining, price: price, exitId: exitId,
                                     exitComment: exitComment, exitSignal: exitSignal, totalOrderQty: totalOrderQty)
                if trades.count == count { index += 1 }
                remaining -= part
                closedQty += part
            }
        }
        if closedQty > 0 { tradesChanged() }
        return closedQty
    }

    /// Closes up to `remaining` contracts of the open trade at `index` (a closed trade is recorded, a wholly
    /// closed one removed); returns the quantity closed. The caller refreshes the aggregates.
    @inline(__always)
    private func closePart(at index: Int, upTo remaining: Double, price: Double, exitId: String?,
                           exitComment: String?, exitSignal: String, totalOrderQty: Double) -> Double {
        let pv = properties.pointValue
        let trade = trades[index]
        let part = min(remaining, trade.quantity)
        let whole = part >= trade.quantity - 1e-12
        let entryFee = whole ? trade.entryCommission : trade.entryCommission * part / trade.quantity
        let exitFee = commission(qty: part, price: price,
                                 orderShare: totalOrderQty > 0 ? part / totalOrderQty : 1)
        let gross = (price - trade.entryPrice) * part * pv * trade.direction.sign
        let profit = gross - entryFee - exitFee
        closed.append(TradingViewTrade(
            entryId: trade.entryId, entryComment: trade.entryComment, entryBarIndex: trade.entryBarIndex,
            entryTime: trade.entryTime, entryPrice: trade.entryPrice, exitId: exitId, exitComment: exitComment,
            exitBarIndex: barIndex, exitTime: bar.openTime, exitPrice: price, direction: trade.direction,
            quantity: whole ? trade.quantity : part, profit: profit, commission: entryFee + exitFee,
            maxRunup: runup(trade, quantity: part, entryFee: entryFee),
            maxDrawdown: drawdown(trade, quantity: part, entryFee: entryFee),
            exitSignal: exitSignal))
        realized += profit
        if profit > 0 { grossProfitSum += profit; wins += 1 }
        else if profit < 0 { grossLossSum -= profit; losses += 1 }
        else { evens += 1 }
        if whole {
            if activeTrails > 0 {
                for leg in trade.legs where leg.trailActive { activeTrails -= 1 }
            }
            trades.remove(at: index)
        } else {
            trades[index].quantity -= part
            trades[index].entryCommission -= entryFee
        }
        return part
    }

    private func applyOCA(_ order: PendingOrder, filledQty: Double) {
        guard let name = order.ocaName, order.ocaType != .none else { return }
        switch order.ocaType {
        case .none: break
        case .cancel:
            pending.removeAll { ($0.kind == .entry || $0.kind == .order) && $0.ocaName == name }
            exitSpecs.removeAll { $0.ocaName == name }
        case .reduce:
            for index in pending.indices.reversed()
            where (pending[index].kind == .entry || pending[index].kind == .order) && pending[index].ocaName == name {
                let reference = pending[index].limit ?? pending[index].stop ?? mark
                let current = resolvedQuantity(pending[index], price: reference)
                let left = roundQuantity(current - filledQty)
                if left <= 0 { pending.remove(at: index) } else { pending[index].qty = left }
            }
        }
    }

    /// The `stateVersion` at which every exit was found attached to an open trade.
    @exclusivity(unchecked) private var prunedVersion = -1

    /// Drops exit orders that no longer have an open trade or a pending entry to attach to.
    private func pruneExits() {
        guard !exitSpecs.isEmpty, prunedVersion != stateVersion else { return }
        // Usually every exit still has its trade: nothing to remove, nothing to rebuild.
        var keepsAll = true
        for s in exitSpecs.indices {
            var attached = false
            for t in trades.indices where specMatches(s, t) {
                attached = true
                break
            }
            if !attached {
                keepsAll = false
                break
            }
        }
        if keepsAll {
            prunedVersion = stateVersion
            return
        }
        exitSpecs.removeAll { spec in
            if trades.contains(where: { spec.matches($0) }) { return false }
            if spec.fromEntry == nil && spec.boundDirection != nil { return true }
            func waits(_ order: PendingOrder) -> Bool {
                (order.kind == .entry || order.kind == .order) && (spec.fromEntry == nil || spec.fromEntry == order.id)
            }
            if let id = inFlightEntryId, spec.fromEntry == nil || spec.fromEntry == id { return false }
            return !pending.contains(where: waits)
        }
    }

    /// Counts a filled order (a reversal is one). When the fill reaches `max_intraday_filled_orders`,
    /// TradingView cancels every pending order, closes an open position right there at the same price
    /// ("Close Position (Max number of filled orders in one day)"; that close does not count) and accepts
    /// no more orders that day.
    private func countFill(at price: Double) {
        fills += 1
        dayFills += 1
        guard let cap = properties.riskMaxIntradayFilledOrders, dayFills >= cap,
              haltedDay != currentDay || currentDay == nil else { return }
        haltedDay = currentDay
        pending.removeAll()
        exitSpecs.removeAll()
        guard !trades.isEmpty else { return }
        let comment = "Close Position (Max number of filled orders in one day)"
        closeQuantity(aggQuantity, from: nil, price: price, exitId: nil, exitComment: comment,
                      exitSignal: comment, totalOrderQty: aggQuantity)
        fills += 1
    }

    // MARK: Margin, equity, risk

    /// Margin call at `price`: when the available funds there (equity − |position| × price × pointvalue ×
    /// margin %) are negative, TradingView liquidates four times the shortfall, counted in whole lots
    /// (a shortfall under one lot closes one contract), capped at the position, at that price.
    private func marginCall(at price: Double) {
        guard let direction = positionDirection, price.isFinite else { return }
        let margin = direction == .long ? properties.marginLong : properties.marginShort
        guard margin > 0 else { return }
        let size = aggQuantity
        let unitMargin = price * properties.pointValue * margin / 100
        guard unitMargin > 0 else { return }
        let available = properties.initialCapital + realized + openProfit(at: price) - size * unitMargin
        guard available < -1e-9 * max(1, abs(size * unitMargin)) else { return }
        let cover = -available / unitMargin
        var qty: Double
        let step = properties.quantityStep
        if step > 0 {
            let lots = (cover / step + 1e-9).rounded(.down)
            qty = lots == 0 ? 1 : roundQuantity(4 * lots * step)
        } else {
            qty = 4 * cover
        }
        qty = min(size, qty)
        guard qty > 0 else { return }
        let previousMark = mark
        mark = price
        closeQuantity(qty, from: nil, price: price, exitId: "Margin call", exitComment: "Margin call",
                      exitSignal: "Margin call", totalOrderQty: qty)
        countFill(at: price)
        pruneExits()
        mark = previousMark
    }

    @inline(__always)
    private func trackEquity() {
        let base = properties.initialCapital + realized
        var worst = base, best = base
        if aggQuantity != 0 {
            let close = bar.close, low = bar.low, high = bar.high
            // x - x is +0 for a finite x and NaN otherwise: one test for the three prices.
            // (A position has a side: aggSign is ±1 whenever aggQuantity > 0.)
            if aggQuantity > 0, (close - close) + (low - low) + (high - high) == 0 {
                let qty = aggQuantity, value = aggEntryValue, scale = aggScale, fee = aggEntryCommission
                let long = aggSign > 0
                let adverse = long ? low : high
                let favourable = long ? high : low
                let atClose = base + ((close * qty - value) * scale - fee)
                worst = min(atClose, base + ((adverse * qty - value) * scale - fee))
                best = max(atClose, base + ((favourable * qty - value) * scale - fee))
            } else {
                (worst, best) = trackEquitySlow(base: base)
            }
        }
        maxDrawdownValue = max(maxDrawdownValue, peakEquity - worst)
        maxRunupValue = max(maxRunupValue, best - troughEquity)
        peakEquity = max(peakEquity, best)
        troughEquity = min(troughEquity, worst)
    }

    @inline(never)
    private func trackEquitySlow(base: Double) -> (worst: Double, best: Double) {
        let close = base + openProfit(at: bar.close)
        guard let direction = positionDirection else { return (close, close) }
        let adverse = direction == .long ? bar.low : bar.high
        let favourable = direction == .long ? bar.high : bar.low
        return (min(close, base + openProfit(at: adverse)), max(close, base + openProfit(at: favourable)))
    }

    private func startDay(_ bar: Bar) {
        let day = dayNumber(bar.openTime)
        guard day != currentDay else { return }
        let startEquity = properties.initialCapital + realized + openProfit(at: mark)
        if currentDay != nil {
            let dayResult = startEquity - dayStartEquity
            if dayResult < 0 { consecutiveLossDays += 1 } else if dayResult > 0 { consecutiveLossDays = 0 }
            if let limit = properties.riskMaxConsLossDays, consecutiveLossDays >= limit, !haltedForever {
                haltedForever = true
                cancelAll()
                pending.removeAll { $0.kind == .close || $0.kind == .closeAll }
                if !trades.isEmpty {
                    pending.append(riskClose("Risk: max consecutive loss days", placedBar: barIndex - 1))
                }
            }
        }
        currentDay = day
        dayStartEquity = startEquity
        dayFills = 0
    }

    private func riskClose(_ name: String, placedBar: Int) -> PendingOrder {
        PendingOrder(serial: takeSerial(), kind: .closeAll, id: "", direction: .long, qty: nil, qtyPercent: nil,
                     limit: nil, stop: nil, ocaName: nil, ocaType: .none, comment: name,
                     placedBar: placedBar)
    }

    private func haltNow(_ name: String, forever: Bool) {
        if forever { haltedForever = true } else { haltedDay = currentDay }
        cancelAll()
        pending.removeAll { $0.kind == .close || $0.kind == .closeAll }
        if !trades.isEmpty {
            let fillsBefore = dayFills
            execute(riskClose(name, placedBar: barIndex), at: bar.close, slipped: true)
            dayFills = fillsBefore
        }
    }

    private func applyRiskRules() {
        let equityNow = equity
        if let limit = properties.riskMaxDrawdown, !haltedForever {
            // The strategy's max drawdown against the limit; in percent, of the running peak equity.
            let threshold = limit.type == .cash ? limit.value : peakEquity * limit.value / 100
            if threshold > 0, maxDrawdownValue >= threshold { haltNow("Risk: max drawdown", forever: true) }
        }
        if let limit = properties.riskMaxIntradayLoss, !entriesBlocked {
            let loss = dayStartEquity - equityNow
            let hit = limit.type == .cash ? loss >= limit.value
                : dayStartEquity > 0 && loss / dayStartEquity * 100 >= limit.value
            if hit { haltNow("Risk: max intraday loss", forever: false) }
        }
    }
}
