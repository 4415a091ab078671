/// The backtest broker: accepts orders, fills them against bars, keeps the account, the fills and
/// the round-trip trades. A plain value; the engine owns it through `StrategyContext`.
///
/// Rules (see `docs/engine.md` for the full text):
/// - Market orders fill at the next bar's open, or with `FillTiming.close` at the close of the bar
///   during which they were submitted.
/// - Limit, stop and stop-limit orders are checked from the bar after the one they were submitted
///   on. First every order whose price is crossed by the bar's **open** fills at the open (gaps);
///   then the others are checked against the bar's high/low and fill at their own price.
/// - Cash-sized orders get their quantity at fill time, at the fill price after slippage.
/// - Cash, position and dust checks happen at fill time against the fill price.
public struct SimulatedBroker: Sendable {
    public let configuration: BrokerConfiguration
    public internal(set) var account: Account
    /// Every order of the run; `orders[id - 1]` is the order with that id.
    public internal(set) var orders: [Order] = []
    /// Every fill, when `recordsFills` is set (off by default: long runs do not need them).
    public internal(set) var fills: [Fill] = []
    /// The latest fill.
    public internal(set) var lastFill: Fill?
    public var recordsFills = false
    /// Round trips, closed and open, in the order they were opened.
    public internal(set) var trades: [Trade] = []

    /// Round trips closed so far (progress reports; O(trades), called every few thousand bars).
    public var closedTradeCount: Int { trades.reduce(0) { $0 + ($1.isOpen ? 0 : 1) } }
    public internal(set) var clock = SimulatedClock()
    /// Index of the bar being processed (−1 before the first bar).
    public internal(set) var currentBar: Int = -1

    /// Indices (into `orders`) of orders that can still fill, ascending.
    var working: [Int] = []
    /// Per symbol: index into `trades` of the open round trip, or −1.
    var openTrade: [Int]
    /// Per open trade: cash flows for an exact P&L.
    var tradeBuyNotional: [Double] = []
    var tradeSellNotional: [Double] = []
    /// Events for the strategy, drained by the engine.
    var events: [BrokerEvent] = []
    var spareEvents: [BrokerEvent] = []
    /// False when the strategy ignores order/trade events: nothing is queued.
    var recordsEvents = true
    var nextOcoGroup = 1
    /// Paper runs: every new order is recorded here before it is accepted (nil in backtests).
    var journal: (any OrderJournal)?
    /// Paper runs: orders without a client order id get `prefix + id` (nil in backtests).
    var clientOrderIdPrefix: String?
    /// Paper runs: risk guards checked at submission (nil in backtests).
    var riskLimits: OrderRiskLimits?
    /// Sandbox and live runs: a venue fills the orders (see `SimulatedBroker+External.swift`).
    public internal(set) var externalExecution = false
    var pendingVenueSubmissions: [Int] = []
    var pendingVenueCancels: [Int] = []
    /// Slippage, fee rates and timing unpacked for the hot path.
    let slippage: SlippageModel
    let fillAtClose: Bool

    /// Reserves room for about `orderCount` orders so long runs do not copy the order list as it
    /// grows (reserved pages cost nothing until used).
    mutating func reserve(orderCount: Int) {
        orders.reserveCapacity(orderCount)
        trades.reserveCapacity(orderCount / 2)
    }

    public init(configuration: BrokerConfiguration, symbolCount: Int) {
        self.configuration = configuration
        self.account = Account(cash: configuration.initialCash, symbolCount: symbolCount)
        self.openTrade = Array(repeating: -1, count: symbolCount)
        self.slippage = configuration.fillModel.slippage
        self.fillAtClose = configuration.fillModel.timing == .close
        events.reserveCapacity(16)
        spareEvents.reserveCapacity(16)
    }

    @inline(__always)
    mutating func emit(_ event: BrokerEvent) {
        if recordsEvents { events.append(event) }
    }

    /// True while at least one order can still fill.
    @inline(__always)
    public var hasWorkingOrders: Bool { !working.isEmpty }

    /// The orders that can still fill, in id order.
    public var workingOrders: [Order] { working.map { orders[$0] } }

    public func order(id: Int) -> Order? {
        id >= 1 && id <= orders.count ? orders[id - 1] : nil
    }

    // MARK: - Submission

    /// Registers an order; returns its id. Invalid requests are recorded as `rejected` with a reason.
    @discardableResult
    public mutating func submit(_ request: OrderRequest) -> Int {
        let id = orders.count + 1
        var request = request
        if request.clientOrderId == nil, let prefix = clientOrderIdPrefix { request.clientOrderId = prefix + String(id) }
        var order = Order(id: id, request: request, createdAt: clock.now, submittedBar: currentBar)
        let index = orders.count
        var sizingProblem: String?
        if externalExecution, order.quantityStorage.isNaN, validate(request) == nil {
            switch externalQuantity(request) {
            case .success(let quantity): order.quantityStorage = quantity
            case .failure(let problem): sizingProblem = problem.reason
            }
        }
        // The journal sees the order before anything can happen to it (validation included).
        if let problem = journal?.recordSubmission(order) ?? validate(request) ?? sizingProblem
            ?? (riskLimits == nil ? nil : riskProblem(request)) {
            order.machine = (try? order.machine.transition(to: .rejected)) ?? order.machine
            order.reason = problem
            orders.append(order)
        } else if externalExecution {
            // Stays `submitted` until the venue answers.
            orders.append(order)
            working.append(index)
            pendingVenueSubmissions.append(id)
        } else {
            order.machine = (try? order.machine.transition(to: .accepted)) ?? order.machine
            orders.append(order)
            working.append(index)
        }
        emit(.order(index))
        return id
    }

    /// Cancels a working order. Returns false if the order is unknown or no longer working.
    @discardableResult
    public mutating func cancel(id: Int, reason: String = "cancelled by strategy") -> Bool {
        guard id >= 1, id <= orders.count, orders[id - 1].status.isWorking || orders[id - 1].status == .submitted else {
            return false
        }
        if externalExecution {
            requestVenueCancel(id - 1)
            return true
        }
        finish(id - 1, as: .cancelled, reason: reason)
        return true
    }

    /// Why `request` breaks the risk guards, or nil (see ``OrderRiskLimits`` for the estimate).
    private func riskProblem(_ request: OrderRequest) -> String? {
        guard let limits = riskLimits else { return nil }
        let position = account.positions[request.symbol]
        let reference = request.limitPrice ?? request.stopPrice ?? (position.lastPrice > 0 ? position.lastPrice : nil)
        let notional: Double?
        switch request.sizing {
        case .quantity(let quantity): notional = reference.map { quantity * $0 }
        case .cashFraction(let fraction): notional = fraction * account.cash
        case .cashAmount(let amount): notional = amount
        case .entirePosition: notional = reference.map { position.quantity * $0 }
        }
        guard let notional else { return "risk: no price seen yet to check the order against the risk limits" }
        if let maximum = limits.maxOrderNotional, notional > maximum {
            return "risk: order notional \(notional) exceeds max_order_notional \(maximum)"
        }
        if let maximum = limits.maxPositionNotional, request.side == .buy {
            let after = position.quantity * (reference ?? 0) + notional
            if after > maximum { return "risk: position notional would be \(after), above max_position_notional \(maximum)" }
        }
        return nil
    }

    private func validate(_ request: OrderRequest) -> String? {
        guard request.symbol >= 0, request.symbol < account.positions.count else {
            return "unknown symbol index \(request.symbol)"
        }
        switch request.type {
        case .market:
            break
        case .limit:
            guard let limit = request.limitPrice, limit.isFinite, limit > 0 else { return "limit order needs a positive limit price" }
        case .stop:
            guard let stop = request.stopPrice, stop.isFinite, stop > 0 else { return "stop order needs a positive stop price" }
        case .stopLimit:
            guard let stop = request.stopPrice, stop.isFinite, stop > 0 else { return "stop-limit order needs a positive stop price" }
            guard let limit = request.limitPrice, limit.isFinite, limit > 0 else { return "stop-limit order needs a positive limit price" }
        }
        switch request.sizing {
        case .quantity(let quantity):
            guard quantity.isFinite, quantity > 0 else { return "quantity must be positive" }
            if quantity < configuration.minimumQuantity {
                return "quantity \(quantity) below minimum quantity \(configuration.minimumQuantity)"
            }
            if let reference = request.limitPrice ?? request.stopPrice, quantity * reference < configuration.minimumNotional {
                return "notional \(quantity * reference) below minimum notional \(configuration.minimumNotional)"
            }
        case .cashFraction(let fraction):
            guard request.side == .buy else { return "cash sizing is only for buy orders" }
            guard fraction.isFinite, fraction > 0, fraction <= 1 else { return "cash fraction must be in (0, 1]" }
        case .cashAmount(let amount):
            guard request.side == .buy else { return "cash sizing is only for buy orders" }
            guard amount.isFinite, amount > 0 else { return "cash amount must be positive" }
        case .entirePosition:
            guard request.side == .sell else { return "entire-position sizing is only for sell orders" }
        }
        if let bracket = request.bracket {
            guard request.side == .buy else { return "brackets are only for buy entries (long only)" }
            if let stopLoss = bracket.stopLoss, !(stopLoss > 0 && stopLoss < 1) { return "stop-loss fraction must be in (0, 1)" }
            if let takeProfit = bracket.takeProfit, !(takeProfit > 0 && takeProfit.isFinite) { return "take-profit fraction must be positive" }
        }
        return nil
    }

    // MARK: - Bar processing

    /// Starts bar `index` of the run at `time`.
    @inline(__always)
    mutating func begin(bar index: Int, time: Int64) {
        currentBar = index
        clock.now = time
    }

    /// Fills what the bar's open and range allow, for orders on `symbol` submitted on earlier bars.
    /// Call before the strategy sees the bar.
    mutating func processBar(symbol: Int, bar: Bar) {
        guard !working.isEmpty, !externalExecution else { return }
        let barIndex = currentBar
        // Pass 1: everything the open crosses fills at the open.
        let symbol32 = Int32(truncatingIfNeeded: symbol)
        for index in working {
            guard orders[index].machine.state.isWorking, orders[index].symbolStorage == symbol32,
                  orders[index].submittedBar < barIndex else { continue }
            openPass(index, bar: bar)
        }
        // Pass 2: the bar's high/low, for orders still working (including bracket legs just created
        // by a fill at this open).
        for index in working {
            guard orders[index].machine.state.isWorking, orders[index].symbolStorage == symbol32,
                  orders[index].submittedBar < barIndex, orders[index].lastFillBar != barIndex else { continue }
            rangePass(index, bar: bar)
        }
        expireImmediateOrders(symbol: symbol, closePhase: false)
    }

    /// With `FillTiming.close`: fills market orders on `symbol` at the bar's close. Call after the
    /// strategy saw the bar.
    mutating func processClose(symbol: Int, bar: Bar) {
        guard fillAtClose, !working.isEmpty, !externalExecution else { return }
        for index in working {
            guard orders[index].machine.state.isWorking, orders[index].symbol == symbol, orders[index].type == .market,
                  orders[index].lastFillBar != currentBar else { continue }
            execute(index, reference: bar.close, bar: bar, isMaker: false, limit: nil, atOpen: false)
        }
        expireImmediateOrders(symbol: symbol, closePhase: true)
    }

    private mutating func openPass(_ index: Int, bar: Bar) {
        let open = bar.open
        let isBuy = orders[index].side == .buy
        switch orders[index].type {
        case .market:
            if !fillAtClose {
                execute(index, reference: open, bar: bar, isMaker: false, limit: nil, atOpen: true)
            }
        case .limit:
            let limit = orders[index].limitStorage
            if isBuy ? open <= limit : open >= limit {
                execute(index, reference: open, bar: bar, isMaker: true, limit: limit, atOpen: true)
            }
        case .stop:
            let stop = orders[index].stopStorage
            if isBuy ? open >= stop : open <= stop {
                orders[index].triggered = true
                execute(index, reference: open, bar: bar, isMaker: false, limit: nil, atOpen: true)
            }
        case .stopLimit:
            let limit = orders[index].limitStorage
            if !orders[index].triggered {
                let stop = orders[index].stopStorage
                guard isBuy ? open >= stop : open <= stop else { return }
                orders[index].triggered = true
                if isBuy ? open <= limit : open >= limit {
                    execute(index, reference: open, bar: bar, isMaker: false, limit: limit, atOpen: true)
                }
            } else if isBuy ? open <= limit : open >= limit {
                execute(index, reference: open, bar: bar, isMaker: true, limit: limit, atOpen: true)
            }
        }
    }

    private mutating func rangePass(_ index: Int, bar: Bar) {
        let isBuy = orders[index].side == .buy
        switch orders[index].type {
        case .market:
            break
        case .limit:
            let limit = orders[index].limitStorage
            if isBuy ? bar.low <= limit : bar.high >= limit {
                execute(index, reference: limit, bar: bar, isMaker: true, limit: limit, atOpen: false)
            }
        case .stop:
            let stop = orders[index].stopStorage
            if isBuy ? bar.high >= stop : bar.low <= stop {
                orders[index].triggered = true
                execute(index, reference: stop, bar: bar, isMaker: false, limit: nil, atOpen: false)
            }
        case .stopLimit:
            let limit = orders[index].limitStorage
            if !orders[index].triggered {
                let stop = orders[index].stopStorage
                guard isBuy ? bar.high >= stop : bar.low <= stop else { return }
                orders[index].triggered = true
                // Same bar only when the stop price itself satisfies the limit.
                if isBuy ? stop <= limit : stop >= limit {
                    execute(index, reference: stop, bar: bar, isMaker: false, limit: limit, atOpen: false)
                }
            } else if isBuy ? bar.low <= limit : bar.high >= limit {
                execute(index, reference: limit, bar: bar, isMaker: true, limit: limit, atOpen: false)
            }
        }
    }

    /// IOC and FOK orders live for one eligible bar: whatever is left after it expires.
    private mutating func expireImmediateOrders(symbol: Int, closePhase: Bool) {
        for index in working {
            guard orders[index].timeInForce != .gtc, orders[index].machine.state.isWorking, orders[index].symbol == symbol else { continue }
            let order = orders[index]
            let eligible: Bool
            if order.type == .market {
                eligible = closePhase == fillAtClose && (fillAtClose ? order.submittedBar <= currentBar : order.submittedBar < currentBar)
            } else {
                eligible = !closePhase && order.submittedBar < currentBar
            }
            guard eligible else { continue }
            let reason = order.timeInForce == .ioc ? "IOC: unfilled remainder expired" : "FOK: could not fill completely"
            finish(index, as: .expired, reason: reason)
        }
    }

    // MARK: - Execution

    /// Fills (part of) order `index` at `reference` before slippage. `limit` clamps the price.
    private mutating func execute(_ index: Int, reference: Double, bar: Bar, isMaker: Bool, limit: Double?, atOpen: Bool) {
        let side = orders[index].side
        var price = slippage.apply(to: reference, side: side)
        if let limit {
            price = side == .buy ? min(price, limit) : max(price, limit)
        }
        let rate = configuration.feeModel.rate(isMaker: isMaker)
        let symbol = orders[index].symbol
        let alreadyFilled = orders[index].filledQuantity

        // Size cash-based and whole-position orders now, at the fill price.
        var quantity: Double
        if !orders[index].quantityStorage.isNaN {
            quantity = orders[index].quantityStorage
        } else {
            switch orders[index].sizing {
            case .quantity(let q):
                quantity = q
            case .cashFraction(let fraction):
                quantity = Self.affordableQuantity(cash: account.cash * fraction, available: account.cash, price: price, rate: rate)
            case .cashAmount(let amount):
                quantity = Self.affordableQuantity(cash: amount, available: account.cash, price: price, rate: rate)
            case .entirePosition:
                quantity = account.positions[symbol].quantity
                if quantity <= 0 {
                    reject(index, reason: "no position to sell")
                    return
                }
            }
            orders[index].quantityStorage = quantity
        }

        if alreadyFilled == 0 {
            if !(quantity > 0) || quantity < configuration.minimumQuantity {
                reject(index, reason: "quantity \(quantity) below minimum quantity \(configuration.minimumQuantity)")
                return
            }
            if quantity * price < configuration.minimumNotional {
                reject(index, reason: "notional \(quantity * price) below minimum notional \(configuration.minimumNotional)")
                return
            }
        }

        let remaining = quantity - alreadyFilled
        var fillQuantity = remaining
        if let participation = configuration.fillModel.volumeParticipation {
            let cap = participation * bar.volume
            if cap < remaining {
                if orders[index].timeInForce == .fok { return }  // expires at the end of the bar, unfilled
                guard cap > 0 else { return }
                fillQuantity = cap
            }
        }

        let notional = fillQuantity * price
        let fee = notional * rate
        var position = account.positions[symbol]
        if side == .buy {
            let cost = notional + fee
            guard cost <= account.cash else {
                reject(index, reason: "insufficient cash: need \(cost), available \(account.cash)")
                return
            }
            account.cash -= cost
            let newQuantity = position.quantity + fillQuantity
            position.averageEntryPrice = (position.averageEntryPrice * position.quantity + notional) / newQuantity
            position.quantity = newQuantity
        } else {
            guard fillQuantity <= position.quantity else {
                reject(index, reason: "insufficient position: sell \(fillQuantity), held \(position.quantity)")
                return
            }
            account.cash += notional - fee
            let left = position.quantity - fillQuantity
            // Float dust from partial sells: a remainder below 1e-12 of the holding counts as flat.
            if left <= position.quantity * 1e-12 {
                position.quantity = 0
                position.averageEntryPrice = 0
            } else {
                position.quantity = left
            }
        }
        account.positions[symbol] = position
        account.totalFees += fee

        // The order.
        let done = fillQuantity == remaining
        let previousFilled = alreadyFilled
        orders[index].averageFillPrice = previousFilled == 0
            ? price
            : (orders[index].averageFillPrice * previousFilled + notional) / (previousFilled + fillQuantity)
        orders[index].filledQuantity = done ? quantity : previousFilled + fillQuantity
        orders[index].fees += fee
        orders[index].updatedAt = clock.now
        orders[index].lastFillBar = currentBar
        orders[index].filledAtOpen = atOpen
        if let next = try? orders[index].machine.transition(to: done ? .filled : .partiallyFilled) {
            orders[index].machine = next
        }
        let fill = Fill(orderId: orders[index].id, symbol: symbol, side: side, quantity: fillQuantity, price: price, fee: fee, isMaker: isMaker, timestamp: clock.now)
        if recordsFills { fills.append(fill) }
        lastFill = fill
        recordTrade(fill)
        emit(.order(index))

        // OCO: any fill on one leg cancels its siblings.
        if let group = orders[index].ocoGroup {
            cancelSiblings(of: index, group: group)
        }
        if done {
            removeWorking(index)
            attachBracketIfNeeded(index)
        }
        // A flat position leaves no protective legs behind.
        if side == .sell, account.positions[symbol].quantity == 0 {
            cancelBracketLegs(symbol: symbol)
        }
    }

    /// The largest quantity whose cost `q × price × (1 + rate)` is at most `cash` (and `available`):
    /// `cash / (price × (1 + rate))`, stepped down by one ulp at a time if rounding pushed it over.
    static func affordableQuantity(cash: Double, available: Double, price: Double, rate: Double) -> Double {
        guard cash > 0, price > 0 else { return 0 }
        var quantity = cash / (price * (1 + rate))
        let budget = min(cash, available)
        var steps = 0
        while steps < 8 {
            let notional = quantity * price
            if notional + notional * rate <= budget { break }
            quantity = quantity.nextDown
            steps += 1
        }
        return quantity
    }

    private mutating func reject(_ index: Int, reason: String) {
        if orders[index].filledQuantity > 0 {
            finish(index, as: .cancelled, reason: reason)
        } else {
            finish(index, as: .rejected, reason: reason)
        }
    }

    /// Moves a working order to a terminal state, drops it from the working list and tells the strategy.
    mutating func finish(_ index: Int, as status: OrderStatus, reason: String?) {
        guard let next = try? orders[index].machine.transition(to: status) else { return }
        orders[index].machine = next
        orders[index].reason = reason
        orders[index].updatedAt = clock.now
        removeWorking(index)
        emit(.order(index))
        if orders[index].filledQuantity > 0 {
            attachBracketIfNeeded(index)
        }
    }

    mutating func removeWorking(_ index: Int) {
        if let position = working.firstIndex(of: index) {
            working.remove(at: position)
        }
    }

    mutating func cancelSiblings(of index: Int, group: Int) {
        var k = 0
        while k < working.count {
            let other = working[k]
            if other != index, orders[other].ocoGroup == group {
                if externalExecution {
                    requestVenueCancel(other)
                    k += 1
                    continue
                }
                finish(other, as: .cancelled, reason: "OCO: sibling order \(orders[index].id) filled")
            } else {
                k += 1
            }
        }
    }

    mutating func cancelBracketLegs(symbol: Int) {
        var k = 0
        while k < working.count {
            let other = working[k]
            if orders[other].symbol == symbol, orders[other].parentId != nil, orders[other].side == .sell {
                if externalExecution {
                    requestVenueCancel(other)
                    k += 1
                    continue
                }
                finish(other, as: .cancelled, reason: "position closed")
            } else {
                k += 1
            }
        }
    }

    /// Once an entry with a bracket is done filling, submits its stop-loss and take-profit legs as
    /// one OCO group for the filled quantity. Legs of an entry filled at a bar's open are checked
    /// against that same bar's range; otherwise from the next bar.
    mutating func attachBracketIfNeeded(_ index: Int) {
        let entry = orders[index]
        guard let bracket = entry.bracket, entry.filledQuantity > 0, !entry.bracketAttached else { return }
        orders[index].bracketAttached = true
        let group = nextOcoGroup
        nextOcoGroup += 1
        let eligibleFrom = entry.filledAtOpen ? currentBar - 1 : currentBar
        func leg(_ request: OrderRequest) {
            let id = orders.count + 1
            var request = request
            if let prefix = clientOrderIdPrefix { request.clientOrderId = prefix + String(id) }
            var order = Order(id: id, request: request, createdAt: clock.now, submittedBar: eligibleFrom)
            order.ocoGroup = group
            order.parentId = entry.id
            if let refusal = journal?.recordSubmission(order) {
                order.machine = OrderStateMachine(state: .rejected)
                order.reason = refusal
                orders.append(order)
            } else if externalExecution {
                orders.append(order)
                working.append(orders.count - 1)
                pendingVenueSubmissions.append(id)
            } else {
                order.machine = OrderStateMachine(state: .accepted)
                orders.append(order)
                working.append(orders.count - 1)
            }
            emit(.order(orders.count - 1))
        }
        let quantity = entry.filledQuantity
        let price = entry.averageFillPrice
        if let stopLoss = bracket.stopLoss {
            leg(OrderRequest(symbol: entry.symbol, side: .sell, type: .stop, sizing: .quantity(quantity), stopPrice: price * (1 - stopLoss)))
        }
        if let takeProfit = bracket.takeProfit {
            leg(OrderRequest(symbol: entry.symbol, side: .sell, type: .limit, sizing: .quantity(quantity), limitPrice: price * (1 + takeProfit)))
        }
    }

    // MARK: - Trades

    mutating func recordTrade(_ fill: Fill) {
        let symbol = fill.symbol
        var tradeIndex = openTrade[symbol]
        if tradeIndex < 0 {
            guard fill.side == .buy else { return }
            tradeIndex = trades.count
            trades.append(Trade(id: tradeIndex + 1, symbol: symbol, entryTime: fill.timestamp, exitTime: nil,
                                entryPrice: fill.price, exitPrice: nil, quantity: fill.quantity, fees: fill.fee))
            tradeBuyNotional.append(fill.notional)
            tradeSellNotional.append(0)
            openTrade[symbol] = tradeIndex
            emit(.trade(tradeIndex))
            return
        }
        var trade = trades[tradeIndex]
        trade.fees += fill.fee
        trade.fillCount += 1
        if fill.side == .buy {
            tradeBuyNotional[tradeIndex] += fill.notional
            trade.quantity += fill.quantity
            trade.entryPrice = tradeBuyNotional[tradeIndex] / trade.quantity
        } else {
            tradeSellNotional[tradeIndex] += fill.notional
            trade.exitedQuantity += fill.quantity
            trade.exitPrice = trade.exitedQuantity == fill.quantity ? fill.price : tradeSellNotional[tradeIndex] / trade.exitedQuantity
            if account.positions[symbol].quantity == 0 {
                trade.exitTime = fill.timestamp
                trade.isOpen = false
                trade.pnl = tradeSellNotional[tradeIndex] - tradeBuyNotional[tradeIndex] - trade.fees
                openTrade[symbol] = -1
                trades[tradeIndex] = trade
                emit(.trade(tradeIndex))
                return
            }
        }
        trades[tradeIndex] = trade
    }

    /// Marks open trades at each symbol's last price (P&L net of fees paid so far).
    mutating func markOpenTrades() {
        for symbol in openTrade.indices where openTrade[symbol] >= 0 {
            let index = openTrade[symbol]
            let position = account.positions[symbol]
            trades[index].pnl = tradeSellNotional[index] + position.quantity * position.lastPrice - tradeBuyNotional[index] - trades[index].fees
        }
    }

    /// Sets the mark price of `symbol` (the bar's close).
    @inline(__always)
    mutating func mark(symbol: Int, price: Double) {
        account.positions[symbol].lastPrice = price
    }
}

/// Something the strategy should hear about: an order changed, or a round trip opened or closed.
enum BrokerEvent: Sendable, Hashable {
    case order(Int)
    case trade(Int)
}
