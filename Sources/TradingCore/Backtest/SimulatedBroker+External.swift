/// External execution: the broker keeps the strategy's books (orders, account, positions, round
/// trips) but a venue fills the orders. Sandbox and live runs use it, so a strategy runs unchanged
/// in every mode: it submits and cancels through the same `StrategyContext`, and hears of fills
/// through the same events.
///
/// In this mode:
/// - `submit` sizes the order at once (venues need a quantity): a cash-sized buy gets
///   `cash × fraction / (price × (1 + taker rate))` at the latest price (limit or stop price when
///   set); an entire-position sell gets the position held. The order is journaled, validated, and
///   then waits in `submitted` in ``venueSubmissions`` until the runner sends it.
/// - bars never fill anything (`processBar`/`processClose` match nothing);
/// - a cancel (by the strategy, an OCO sibling fill, or a closed position) is queued in
///   ``venueCancels``; the order stays working until the venue confirms;
/// - ``applyVenueUpdate(orderId:status:filledQuantity:averagePrice:cumulativeFee:reason:time:)``
///   applies what the venue reports: the fill delta since the last report, then the status.
extension SimulatedBroker {
    /// Orders accepted locally that the runner has not sent yet (ids), in submission order.
    public var venueSubmissions: [Int] { pendingVenueSubmissions }
    /// Working orders the runner must ask the venue to cancel (ids), in request order.
    public var venueCancels: [Int] { pendingVenueCancels }

    /// Clears both request queues once the runner has taken them.
    public mutating func takeVenueRequests() -> (submissions: [Int], cancels: [Int]) {
        defer {
            pendingVenueSubmissions.removeAll()
            pendingVenueCancels.removeAll()
        }
        return (pendingVenueSubmissions, pendingVenueCancels)
    }

    /// The quantity a cash-sized or whole-position order gets at submission in external mode, or a
    /// reason it cannot be sized. `price` is the reference (limit/stop price, else the latest close).
    func externalQuantity(_ request: OrderRequest) -> Result<Double, OrderSizingProblem> {
        let position = account.positions[request.symbol]
        let price = request.limitPrice ?? request.stopPrice ?? (position.lastPrice > 0 ? position.lastPrice : nil)
        let rate = configuration.feeModel.rate(isMaker: false)
        switch request.sizing {
        case .quantity(let quantity):
            return .success(quantity)
        case .cashFraction(let fraction):
            guard let price else { return .failure(OrderSizingProblem("no price seen yet to size the order")) }
            return .success(Self.affordableQuantity(cash: account.cash * fraction, available: account.cash, price: price, rate: rate))
        case .cashAmount(let amount):
            guard let price else { return .failure(OrderSizingProblem("no price seen yet to size the order")) }
            return .success(Self.affordableQuantity(cash: amount, available: account.cash, price: price, rate: rate))
        case .entirePosition:
            guard position.quantity > 0 else { return .failure(OrderSizingProblem("no position to sell")) }
            return .success(position.quantity)
        }
    }

    /// Cancels in external mode go to the venue; the order stays working until it confirms.
    mutating func requestVenueCancel(_ index: Int) {
        let id = orders[index].id
        if !pendingVenueCancels.contains(id) { pendingVenueCancels.append(id) }
    }

    /// Applies a venue's report on order `orderId` (`quantity`: the order's size as the venue took it): a fill for the quantity filled since the last
    /// report (at the price that makes the order's average `averagePrice`, with the fee delta),
    /// then `status`. Reports that add nothing (same fill, same status) change nothing and return
    /// false; illegal steps (a terminal order reported working) are ignored.
    ///
    /// The local account mirrors the venue: a fill is applied even when the local cash or position
    /// would not have allowed it (the venue's balances are the truth; the run shows them).
    @discardableResult
    public mutating func applyVenueUpdate(
        orderId: Int, status: OrderStatus, quantity: Double? = nil, filledQuantity: Double, averagePrice: Double?,
        cumulativeFee: Double?, reason: String?, time: Int64
    ) -> Bool {
        guard orderId >= 1, orderId <= orders.count else { return false }
        let index = orderId - 1
        var changed = false
        // The venue's quantity is the order's (it was rounded down to the venue's step).
        if let quantity, quantity > 0, quantity != orders[index].quantityStorage, !orders[index].machine.state.isTerminal {
            orders[index].quantityStorage = quantity
            changed = true
        }
        if orders[index].machine.state == .submitted, status != .submitted, status != .rejected, status != .cancelled {
            orders[index].machine = OrderStateMachine(state: .accepted)
            orders[index].updatedAt = time
            changed = true
        }
        let before = orders[index].filledQuantity
        if filledQuantity > before + 1e-15, let averagePrice, averagePrice > 0 {
            let quantity = filledQuantity - before
            let previousNotional = orders[index].averageFillPrice * before
            // The first fill is at the average itself (no rounding through the notional).
            let price = before == 0 ? averagePrice : max(0, (averagePrice * filledQuantity - previousNotional) / quantity)
            let fee = max(0, (cumulativeFee ?? (quantity * price * configuration.feeModel.rate(isMaker: false)) + orders[index].fees) - orders[index].fees)
            applyExternalFill(index, quantity: quantity, price: price, fee: fee, averagePrice: averagePrice, time: time)
            changed = true
        }
        let current = orders[index].machine.state
        if status != current, status.isTerminal || status == .partiallyFilled {
            let target: OrderStatus = status == .partiallyFilled ? .partiallyFilled : status
            if OrderStateMachine.isLegal(from: current, to: target) {
                orders[index].machine = OrderStateMachine(state: target)
                orders[index].reason = reason ?? orders[index].reason
                orders[index].updatedAt = time
                if target.isTerminal {
                    removeWorking(index)
                    pendingVenueCancels.removeAll { $0 == orderId }
                    if orders[index].filledQuantity > 0 { attachBracketIfNeeded(index) }
                }
                emit(.order(index))
                changed = true
            }
        } else if changed {
            emit(.order(index))
        }
        return changed
    }

    /// Books a venue fill: cash, position, fees, the round trip, OCO siblings.
    private mutating func applyExternalFill(_ index: Int, quantity: Double, price: Double, fee: Double, averagePrice: Double, time: Int64) {
        let side = orders[index].side
        let symbol = orders[index].symbol
        let notional = quantity * price
        var position = account.positions[symbol]
        if side == .buy {
            account.cash -= notional + fee
            let newQuantity = position.quantity + quantity
            position.averageEntryPrice = (position.averageEntryPrice * position.quantity + notional) / newQuantity
            position.quantity = newQuantity
        } else {
            account.cash += notional - fee
            let left = position.quantity - quantity
            if left <= max(0, position.quantity) * 1e-12 {
                position.quantity = 0
                position.averageEntryPrice = 0
            } else {
                position.quantity = left
            }
        }
        account.positions[symbol] = position
        account.totalFees += fee
        orders[index].averageFillPrice = averagePrice
        orders[index].filledQuantity += quantity
        orders[index].fees += fee
        orders[index].updatedAt = time
        orders[index].lastFillBar = currentBar
        if orders[index].machine.state == .accepted || orders[index].machine.state == .partiallyFilled {
            let done = orders[index].quantityStorage.isNaN ? false : orders[index].filledQuantity >= orders[index].quantityStorage * (1 - 1e-12)
            orders[index].machine = OrderStateMachine(state: done ? .filled : .partiallyFilled)
            if done { removeWorking(index) }
        }
        let fill = Fill(orderId: orders[index].id, symbol: symbol, side: side, quantity: quantity, price: price, fee: fee, isMaker: false, timestamp: time)
        if recordsFills { fills.append(fill) }
        lastFill = fill
        recordTrade(fill)
        emit(.order(index))
        if let group = orders[index].ocoGroup { cancelSiblings(of: index, group: group) }
        if orders[index].machine.state == .filled { attachBracketIfNeeded(index) }
        if side == .sell, account.positions[symbol].quantity == 0 { cancelBracketLegs(symbol: symbol) }
    }
}

/// Why an order could not be given a quantity at submission.
struct OrderSizingProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
