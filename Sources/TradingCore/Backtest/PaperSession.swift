/// Steps a strategy and the simulated broker one bar at a time, for paper runs whose bars arrive
/// in real time. The same rules as `BacktestEngine` (fills at the next bar's open, etc.); the caller
/// feeds bars as they close and gets, per bar, the orders and trades that changed and the new
/// equity point.
///
/// Not thread-safe: one task owns a session.
public struct PaperSession {
    public let configuration: BacktestConfiguration
    /// Symbols in engine order (ascending); `process(bar:symbol:)` takes one of them.
    public let symbols: [TradingSymbol]
    private var core: any PaperStepping
    /// Points recorded so far: one per distinct bar time.
    private var equityTimes: [Int64] = []
    private var equityValues: [Double] = []
    private var equityCash: [Double] = []
    private var stepsInMarket = 0
    /// Fills already handed out in a `Step`.
    private var fillsReported = 0
    public private(set) var barsProcessed = 0

    /// What one bar changed.
    public struct Step: Sendable {
        /// Orders created or updated while processing the bar, in event order (one entry per order).
        public var orders: [OrderRecord]
        /// Round trips opened or closed while processing the bar.
        public var trades: [TradeRecord]
        /// Fills that happened while processing the bar, in order.
        public var fills: [FillRecord]
        /// The equity point after the bar.
        public var equity: EquityPoint
        public var cash: Double
        public var value: Double
    }

    /// Validates the configuration and parameters and builds the strategy (its `start` runs here).
    ///
    /// - Parameters:
    ///   - journal: records every new order before the broker accepts it (see ``OrderJournal``);
    ///     it is called from inside `process(bar:symbol:)` and `finish(stopped:)`, on the caller's thread.
    ///   - clientOrderIdPrefix: orders the strategy submits without a client order id get
    ///     `prefix + order id` (bracket legs always do).
    ///   - riskLimits: checked when each order is submitted; an order over a limit is rejected
    ///     with the reason (bracket legs, which only close, are not checked).
    ///   - externalExecution: a venue fills the orders (sandbox and live runs): bars fill nothing,
    ///     the runner sends ``takeVenueRequests()`` and reports back with
    ///     ``applyVenueUpdate(orderId:status:quantity:filledQuantity:averagePrice:cumulativeFee:reason:time:)``.
    public init(
        configuration: BacktestConfiguration, startTime: Int64, journal: (any OrderJournal)? = nil,
        clientOrderIdPrefix: String? = nil, riskLimits: OrderRiskLimits? = nil, externalExecution: Bool = false
    ) throws(TradingError) {
        try configuration.validate()
        let type = try StrategyRegistry.strategyType(named: configuration.strategyName)
        let parameters = try type.validate(configuration.parameters)
        self.configuration = configuration
        let symbols = configuration.symbols.sorted()
        self.symbols = symbols
        func open<S: Strategy>(_ concrete: S.Type) -> any PaperStepping {
            PaperCore<S>(
                strategy: S(parameters: parameters, symbolCount: symbols.count), symbols: symbols,
                timeframe: configuration.timeframe, broker: configuration.brokerConfiguration, startTime: startTime,
                journal: journal, clientOrderIdPrefix: clientOrderIdPrefix, riskLimits: riskLimits,
                externalExecution: externalExecution)
        }
        self.core = open(type)
    }

    /// A session around a strategy the caller built (one not in ``StrategyRegistry``, such as
    /// ``TargetPositionStrategy`` driven by a Pine script); `configuration.parameters` are not
    /// validated, the caller did that. Otherwise as ``init(configuration:startTime:journal:clientOrderIdPrefix:riskLimits:externalExecution:)``.
    public init<S: Strategy>(
        strategy: S, configuration: BacktestConfiguration, startTime: Int64, journal: (any OrderJournal)? = nil,
        clientOrderIdPrefix: String? = nil, riskLimits: OrderRiskLimits? = nil, externalExecution: Bool = false
    ) throws(TradingError) {
        try configuration.validate()
        self.configuration = configuration
        let symbols = configuration.symbols.sorted()
        self.symbols = symbols
        self.core = PaperCore<S>(
            strategy: strategy, symbols: symbols, timeframe: configuration.timeframe, broker: configuration.brokerConfiguration,
            startTime: startTime, journal: journal, clientOrderIdPrefix: clientOrderIdPrefix, riskLimits: riskLimits,
            externalExecution: externalExecution)
    }

    public var account: Account { core.broker.account }
    public var orders: [Order] { core.broker.orders }
    public var trades: [Trade] { core.broker.trades }
    /// Ids of the orders that can still fill (external execution: those the venue may still fill).
    public var workingOrderIDs: [Int] { core.broker.workingOrders.map(\.id) }
    /// Every fill so far (paper sessions always record fills).
    public var fills: [Fill] { core.broker.fills }

    /// The orders the strategy's `start` submitted (they are in the journal already); the runner
    /// records their accepted state before the first bar.
    public var initialOrders: [OrderRecord] {
        core.broker.orders.map { OrderRecord($0, symbols: symbols) }
    }

    /// Processes one closed bar of `symbol`. Bars of one symbol must arrive in time order; a bar
    /// not newer than the previous one of its symbol is ignored (returns nil), as is an unknown symbol.
    public mutating func process(bar: Bar, symbol: TradingSymbol) -> Step? {
        guard let index = symbols.firstIndex(of: symbol) else { return nil }
        guard let changes = core.step(bar: bar, symbol: index, step: barsProcessed) else { return nil }
        barsProcessed += 1
        let account = core.broker.account
        if equityTimes.last == bar.openTime {
            equityValues[equityValues.count - 1] = account.value
            equityCash[equityCash.count - 1] = account.cash
        } else {
            equityTimes.append(bar.openTime)
            equityValues.append(account.value)
            equityCash.append(account.cash)
            if account.positions.contains(where: { $0.quantity != 0 }) { stepsInMarket += 1 }
        }
        let broker = core.broker
        let orders = changes.orders.map { OrderRecord(broker.orders[$0], symbols: symbols) }
        let trades = changes.trades.map { TradeRecord(broker.trades[$0], symbols: symbols) }
        let fills = newFills()
        let point = EquityPoint(
            timestamp: ISO8601Timestamp.string(fromMilliseconds: bar.openTime), value: account.value, cash: account.cash,
            pnl: account.value - configuration.initialCash)
        return Step(orders: orders, trades: trades, fills: fills, equity: point, cash: account.cash, value: account.value)
    }

    /// Cancels a working order as if the strategy had (the user's cancel from the dashboard);
    /// false when it is not working. In external execution the cancel is queued for the venue.
    public mutating func cancel(orderId: Int) -> Bool {
        core.cancel(orderId: orderId)
    }

    /// External execution: the orders to send to the venue and the orders to cancel there, taken
    /// off the broker's queues (each order once).
    public mutating func takeVenueRequests() -> (submissions: [Order], cancels: [Order]) {
        core.takeVenueRequests()
    }

    /// External execution: applies a venue's report on order `orderId` (see
    /// `SimulatedBroker.applyVenueUpdate`), lets the strategy react, and returns what changed — nil
    /// when the report changed nothing. The equity point is the latest bar's, updated.
    public mutating func applyVenueUpdate(
        orderId: Int, status: OrderStatus, quantity: Double? = nil, filledQuantity: Double, averagePrice: Double?,
        cumulativeFee: Double?, reason: String?, time: Int64
    ) -> Step? {
        guard let changes = core.applyVenueUpdate(
            orderId: orderId, status: status, quantity: quantity, filledQuantity: filledQuantity, averagePrice: averagePrice,
            cumulativeFee: cumulativeFee, reason: reason, time: time) else { return nil }
        let account = core.broker.account
        if !equityTimes.isEmpty {
            equityValues[equityValues.count - 1] = account.value
            equityCash[equityCash.count - 1] = account.cash
        }
        let broker = core.broker
        let orders = changes.orders.map { OrderRecord(broker.orders[$0], symbols: symbols) }
        let trades = changes.trades.map { TradeRecord(broker.trades[$0], symbols: symbols) }
        let stamp = equityTimes.last ?? broker.clock.now
        let point = EquityPoint(
            timestamp: ISO8601Timestamp.string(fromMilliseconds: stamp), value: account.value, cash: account.cash,
            pnl: account.value - configuration.initialCash)
        return Step(orders: orders, trades: trades, fills: newFills(), equity: point, cash: account.cash, value: account.value)
    }

    /// The fills not yet reported, as records (each carries its order's client order id).
    private mutating func newFills() -> [FillRecord] {
        let broker = core.broker
        guard broker.fills.count > fillsReported else { return [] }
        var records: [FillRecord] = []
        for index in fillsReported..<broker.fills.count {
            let fill = broker.fills[index]
            records.append(FillRecord(fill, id: index + 1, clientOrderId: broker.order(id: fill.orderId)?.clientOrderId, symbols: symbols))
        }
        fillsReported = broker.fills.count
        return records
    }

    /// Ends the session (the strategy's `stop` runs, open trades are marked) and returns the output
    /// for `BacktestReport(runId:configuration:output:)`. `stopped` sets `wasStopped`.
    public mutating func finish(stopped: Bool) -> EngineOutput {
        core.finish()
        return EngineOutput(
            symbols: symbols, timeframe: configuration.timeframe, initialCash: configuration.initialCash,
            equity: EquityCurve(timestamps: equityTimes, values: equityValues, cash: equityCash),
            broker: core.broker, barsProcessed: barsProcessed, stepsInMarket: stepsInMarket, wasStopped: stopped)
    }
}

/// Indices (into the broker's `orders` / `trades`) touched by one step.
struct PaperChanges {
    var orders: [Int] = []
    var trades: [Int] = []
}

protocol PaperStepping {
    var broker: SimulatedBroker { get }
    mutating func step(bar: Bar, symbol: Int, step: Int) -> PaperChanges?
    mutating func finish()
    mutating func takeVenueRequests() -> (submissions: [Order], cancels: [Order])
    mutating func cancel(orderId: Int) -> Bool
    mutating func applyVenueUpdate(
        orderId: Int, status: OrderStatus, quantity: Double?, filledQuantity: Double, averagePrice: Double?,
        cumulativeFee: Double?, reason: String?, time: Int64
    ) -> PaperChanges?
}

/// The concrete, specialised state behind `PaperSession`.
struct PaperCore<S: Strategy>: PaperStepping {
    var strategy: S
    var context: StrategyContext
    var lastTime: [Int64]
    var finished = false

    init(
        strategy: S, symbols: [TradingSymbol], timeframe: Timeframe, broker: BrokerConfiguration, startTime: Int64,
        journal: (any OrderJournal)?, clientOrderIdPrefix: String?, riskLimits: OrderRiskLimits?, externalExecution: Bool
    ) {
        self.strategy = strategy
        var context = StrategyContext(broker: SimulatedBroker(configuration: broker, symbolCount: symbols.count), symbols: symbols, timeframe: timeframe)
        context.broker.recordsEvents = true
        // A paper run keeps every fill: they are few, and they are what is committed as it happens.
        context.broker.recordsFills = true
        context.broker.journal = journal
        context.broker.clientOrderIdPrefix = clientOrderIdPrefix
        context.broker.riskLimits = riskLimits
        context.broker.externalExecution = externalExecution
        context.broker.begin(bar: -1, time: startTime)
        self.context = context
        self.lastTime = Array(repeating: Int64.min, count: symbols.count)
        var changes = PaperChanges()
        self.strategy.start(context: &self.context)
        Self.drain(&self.strategy, &self.context, into: &changes)
    }

    var broker: SimulatedBroker { context.broker }

    mutating func step(bar: Bar, symbol: Int, step: Int) -> PaperChanges? {
        guard !finished, bar.openTime > lastTime[symbol], bar.isConsistent else { return nil }
        lastTime[symbol] = bar.openTime
        var changes = PaperChanges()
        context.broker.begin(bar: step, time: bar.openTime)
        if context.broker.hasWorkingOrders {
            context.broker.processBar(symbol: symbol, bar: bar)
            Self.drain(&strategy, &context, into: &changes)
        }
        context.broker.mark(symbol: symbol, price: bar.close)
        strategy.onBar(bar, symbol: symbol, context: &context)
        if context.broker.hasWorkingOrders {
            context.broker.processClose(symbol: symbol, bar: bar)
        }
        Self.drain(&strategy, &context, into: &changes)
        context.broker.markOpenTrades()
        return changes
    }

    mutating func cancel(orderId: Int) -> Bool {
        let cancelled = context.broker.cancel(id: orderId, reason: "cancelled by the user")
        var changes = PaperChanges()
        Self.drain(&strategy, &context, into: &changes)
        return cancelled
    }

    mutating func takeVenueRequests() -> (submissions: [Order], cancels: [Order]) {
        let (submissions, cancels) = context.broker.takeVenueRequests()
        let broker = context.broker
        return (submissions.compactMap { broker.order(id: $0) }, cancels.compactMap { broker.order(id: $0) })
    }

    mutating func applyVenueUpdate(
        orderId: Int, status: OrderStatus, quantity: Double?, filledQuantity: Double, averagePrice: Double?,
        cumulativeFee: Double?, reason: String?, time: Int64
    ) -> PaperChanges? {
        guard context.broker.applyVenueUpdate(
            orderId: orderId, status: status, quantity: quantity, filledQuantity: filledQuantity, averagePrice: averagePrice,
            cumulativeFee: cumulativeFee, reason: reason, time: time) else { return nil }
        var changes = PaperChanges()
        Self.drain(&strategy, &context, into: &changes)
        context.broker.markOpenTrades()
        return changes
    }

    mutating func finish() {
        guard !finished else { return }
        finished = true
        var changes = PaperChanges()
        strategy.stop(context: &context)
        Self.drain(&strategy, &context, into: &changes)
        context.broker.markOpenTrades()
    }

    /// Like `BacktestEngine.drainEvents`, also collecting what changed (each index once, in order).
    static func drain(_ strategy: inout S, _ context: inout StrategyContext, into changes: inout PaperChanges) {
        while !context.broker.events.isEmpty {
            let batch = context.broker.events
            context.broker.events.removeAll(keepingCapacity: true)
            for event in batch {
                switch event {
                case .order(let index):
                    if !changes.orders.contains(index) { changes.orders.append(index) }
                    if S.observesBrokerEvents { strategy.onOrderUpdate(context.broker.orders[index], context: &context) }
                case .trade(let index):
                    if !changes.trades.contains(index) { changes.trades.append(index) }
                    if S.observesBrokerEvents { strategy.onTrade(context.broker.trades[index], context: &context) }
                }
            }
        }
    }
}
