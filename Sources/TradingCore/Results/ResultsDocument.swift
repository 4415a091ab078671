/// The results document of a finished engine run, written straight from the engine's orders,
/// trades and equity curve: exactly the members `BacktestReport(…).jsonMembers(pretty:)` gives,
/// without the report's records in between (an `OrderRecord` holds two timestamp strings and
/// a dozen optionals; building 35,000 of them cost more than writing their JSON).
///
/// What `backtest --json` writes and times as `stats.engine_seconds`. Long runs are written on
/// two threads: one writes the first orders, the other the remaining orders, the trades, the
/// equity curve and the metrics (`BacktestReport.parallelOrderCount`); the order-list
/// fingerprint is hashed from canonical lines written alongside the orders' JSON.
public struct ResultsDocument: Sendable {
    /// The members in key order; write them with `BacktestReport.writeObject(_:pretty:to:)`.
    public let members: [BacktestReport.JSONMember]
    public let performanceMetrics: PerformanceMetrics
    public let barsProcessed: Int

    /// Runs of at least this many bars write their order list while they run (`OrderListStream`).
    static let streamingBarCount = 100_000

    public init(output: EngineOutput, configuration: BacktestConfiguration, runId: String, equityCurveLimit: Int? = nil, pretty: Bool) {
        self.init(output: output, configuration: configuration, equityCurveLimit: equityCurveLimit, pretty: pretty,
                  parallelFrom: BacktestReport.parallelOrderCount) { runId }
    }

    /// - Parameters:
    ///   - configuration: with the resolved parameters (defaults filled in), as the report's.
    ///   - parallelFrom: the order count from which two threads write (tests lower it).
    ///   - runId: asked for last (it may still be computing on another core).
    ///   - streamedOrders: the order list written while the run ran (`OrderListStream`), if any.
    init(output: EngineOutput, configuration: BacktestConfiguration, equityCurveLimit: Int?, pretty: Bool,
         parallelFrom: Int, streamedOrders: OrderListStream? = nil, runId: () -> String) {
        let symbolNames = output.symbols.map(\.description)
        let orders = output.orders[...]
        let trades = output.trades[...]
        let orderBytes = pretty ? 700 : 420, tradeBytes = pretty ? 330 : 220
        // Each order list is written with its orders' canonical lines (the fingerprint's input,
        // sharing the formatted doubles); the lines are hashed in order afterwards.
        func orderList(_ slice: ArraySlice<Order>) -> (json: JSONPiece, lines: JSONByteBuffer) {
            var writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: slice.count * orderBytes + 16)
            let lines = JSONByteBuffer(capacity: slice.count * 128 + 16)
            Self.write(slice, symbolNames: symbolNames, to: &writer, canonicalLines: lines)
            return (writer.takePiece(), lines)
        }
        var tradeList: [JSONPiece]?, curve: JSONPiece?, metrics: PerformanceMetrics?
        func tradePiece(_ slice: ArraySlice<Trade>) -> JSONPiece {
            var writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: slice.count * tradeBytes + 16)
            Self.write(slice, symbolNames: symbolNames, to: &writer)
            return writer.takePiece()
        }
        func tradesList() { tradeList = [tradePiece(trades)] }
        func curveAndMetrics() {
            curve = Self.equityCurve(output: output, limit: equityCurveLimit, pretty: pretty)
            metrics = PerformanceMetrics(output: output)
        }
        func everythingButOrders() {
            tradesList()
            curveAndMetrics()
        }
        var hasher = FNV1a()
        var orderPieces: [JSONPiece]
        var streamedHash: String?
        if let streamedOrders {
            // The order list is (nearly) written: the trades and the curve with the metrics are
            // done on two threads while the list's thread finishes. The trades are split so the
            // thread with the curve and metrics (≈ 8 ms on 1M bars) writes the fewer (≈ 15 %).
            let tradeSplit = trades.count >= 2 ? min(trades.count - 1, max(1, trades.count * 85 / 100)) : trades.count
            var head: JSONPiece?, tail: JSONPiece?
            WorkerThreads.run(count: 2) { part in
                if part == 0 {
                    head = tradePiece(trades[..<tradeSplit])
                } else {
                    curveAndMetrics()
                    if tradeSplit < trades.count { tail = tradePiece(trades[tradeSplit...]) }
                }
            }
            tradeList = tail.map { BacktestReport.joinedArray(head!, $0, pretty: pretty) } ?? [head!]
            let list = streamedOrders.finish()
            orderPieces = [list.json]
            streamedHash = list.hash
        } else if orders.count >= max(2, parallelFrom) {
            // Balance the two threads: the second one's other work is counted in orders' worth
            // (a trade about half an order, metrics and the curve a 150th per bar — measured on
            // 1M-bar runs); the first hashes its lines, the rest are hashed after the join.
            let otherWork = trades.count / 2 + output.equity.count / 150
            let split = min(orders.count - 1, max(1, (orders.count + otherWork) / 2))
            var head: (json: JSONPiece, lines: JSONByteBuffer)?, tail: (json: JSONPiece, lines: JSONByteBuffer)?
            WorkerThreads.run(count: 2) { part in
                if part == 0 {
                    head = orderList(orders[..<split])
                    hasher.combine(head!.lines)
                } else {
                    tail = orderList(orders[split...])
                    everythingButOrders()
                }
            }
            hasher.combine(tail!.lines)
            orderPieces = BacktestReport.joinedArray(head!.json, tail!.json, pretty: pretty)
        } else {
            let list = orderList(orders)
            hasher.combine(list.lines)
            orderPieces = [list.json]
            everythingButOrders()
        }
        let orderListHash = streamedHash ?? hasher.hex
        let curveTimes = output.equity
        members = BacktestReport.members(
            pretty: pretty, barsProcessed: output.barsProcessed, config: configuration,
            endTime: curveTimes.lastTimestamp.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            equityCurve: curve!, error: nil, finalValue: finite(metrics!.finalValue) ?? 0, orderListHash: orderListHash,
            orders: orderPieces, performanceMetrics: metrics!,
            positions: output.account.positions.filter { $0.quantity != 0 }.map { PositionRecord($0, symbols: output.symbols) },
            runId: runId(), startTime: curveTimes.firstTimestamp.map { ISO8601Timestamp.string(fromMilliseconds: $0) },
            status: output.wasStopped ? .stopped : .completed, trades: tradeList!)
        performanceMetrics = metrics!
        barsProcessed = output.barsProcessed
    }

    /// The equity curve member, thinned by LTTB to `limit` points as the report does.
    static func equityCurve(output: EngineOutput, limit: Int?, pretty: Bool) -> JSONPiece {
        let curve = output.equity
        let initial = output.initialCash
        let indices: [Int]
        if let limit, limit > 0, curve.count > limit {
            indices = Downsampling.largestTriangleThreeBuckets(curve.values, threshold: limit)
        } else {
            indices = Array(0..<curve.count)
        }
        var w = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: indices.count * (pretty ? 150 : 90) + 16)
        w.beginArray()
        for i in indices {
            let value = curve.values[i]
            w.element()
            w.beginObject()
            w.key("cash"); w.number(finite(curve.cash(at: i)) ?? 0)
            w.key("pnl"); w.number(finite(value - initial) ?? 0)
            w.key("timestamp"); w.timestamp(milliseconds: curve.timestamp(at: i))
            w.key("value"); w.number(finite(value) ?? 0)
            w.endObject()
        }
        w.endArray()
        return w.takePiece()
    }

    /// The order list, each order as its `OrderRecord` encodes, and every order's canonical line
    /// (`Order.canonicalText` + "\n") appended to `canonicalLines`. The four doubles both hold are
    /// formatted once, into the line, and copied from there.
    static func write(_ orders: ArraySlice<Order>, symbolNames: [String], to w: inout JSONByteWriter, canonicalLines lines: JSONByteBuffer) {
        w.beginArray()
        writeElements(orders, quotedSymbols: quoted(symbolNames), symbolNames: symbolNames, to: &w, canonicalLines: lines)
        w.endArray()
    }

    /// The orders of `write(_:symbolNames:to:canonicalLines:)` as elements of an open array.
    static func writeElements(_ orders: ArraySlice<Order>, quotedSymbols: [[UInt8]], symbolNames: [String], to w: inout JSONByteWriter,
                              canonicalLines lines: JSONByteBuffer) {
        @inline(__always) func shared(_ text: Range<Int>?, _ value: Double?, else fallback: Double?, to w: inout JSONByteWriter) {
            if let text, let value, value.isFinite {
                lines.withBytes(in: text) { w.number(descriptionBytes: $0) }
            } else {
                w.number(fallback)
            }
        }
        for order in orders {
            let numbers = order.appendCanonicalLine(to: lines)
            w.element()
            w.beginObject()
            w.key("average_fill_price")
            if order.filledQuantity > 0 {
                shared(numbers.averageFillPrice, order.averageFillPrice, else: nil, to: &w)
            } else {
                w.null()
            }
            w.key("client_order_id"); w.string(order.clientOrderId)
            w.key("created_time"); w.timestamp(milliseconds: order.createdAt)
            w.key("fees"); shared(numbers.fees, order.fees, else: 0, to: &w)
            w.key("filled_quantity"); shared(numbers.filledQuantity, order.filledQuantity, else: 0, to: &w)
            w.key("id"); w.int(order.id)
            w.key("limit_price"); w.number(finite(order.limitPrice))
            w.key("oco_group"); w.int(order.ocoGroup)
            w.key("parent_id"); w.int(order.parentId)
            w.key("quantity"); shared(numbers.quantity, order.quantity, else: nil, to: &w)
            w.key("reason"); w.string(order.reason)
            w.key("side"); w.string(verbatim: Self.text(order.side))
            switch order.sizing {
            case .quantity(let value):
                w.key("sizing"); w.string(verbatim: "quantity")
                w.key("sizing_value"); w.number(finite(value))
            case .cashFraction(let value):
                w.key("sizing"); w.string(verbatim: "cash_fraction")
                w.key("sizing_value"); w.number(finite(value))
            case .cashAmount(let value):
                w.key("sizing"); w.string(verbatim: "cash_amount")
                w.key("sizing_value"); w.number(finite(value))
            case .entirePosition:
                w.key("sizing"); w.string(verbatim: "entire_position")
                w.key("sizing_value"); w.null()
            }
            w.key("status"); w.string(verbatim: Self.text(order.status))
            w.key("stop_price"); w.number(finite(order.stopPrice))
            w.key("symbol"); Self.writeSymbol(order.symbol, quotedSymbols, symbolNames, to: &w)
            w.key("time_in_force"); w.string(verbatim: Self.text(order.timeInForce))
            w.key("type"); w.string(verbatim: Self.text(order.type))
            w.key("updated_time"); w.timestamp(milliseconds: order.updatedAt)
            w.endObject()
        }
    }

    /// The trade list, each trade as its `TradeRecord` encodes.
    static func write(_ trades: ArraySlice<Trade>, symbolNames: [String], to w: inout JSONByteWriter) {
        let quotedSymbols = quoted(symbolNames)
        w.beginArray()
        for trade in trades {
            w.element()
            w.beginObject()
            w.key("entry_price"); w.number(finite(trade.entryPrice) ?? 0)
            w.key("entry_time"); w.timestamp(milliseconds: trade.entryTime)
            w.key("exit_price"); w.number(finite(trade.exitPrice))
            w.key("exit_time"); w.timestamp(milliseconds: trade.exitTime)
            w.key("fees"); w.number(finite(trade.fees) ?? 0)
            w.key("id"); w.int(trade.id)
            w.key("pnl"); w.number(finite(trade.pnl) ?? 0)
            w.key("quantity"); w.number(finite(trade.quantity) ?? 0)
            w.key("return"); w.number(finite(trade.returnFraction) ?? 0)
            w.key("status"); w.string(verbatim: trade.isOpen ? "open" : "closed")
            w.key("symbol"); Self.writeSymbol(trade.symbol, quotedSymbols, symbolNames, to: &w)
            w.endObject()
        }
        w.endArray()
    }

    /// The raw values as literals (no `String` per order); `ResultsDocumentTests` checks each
    /// against `rawValue`.
    static func text(_ side: Side) -> StaticString {
        switch side {
        case .buy: "buy"
        case .sell: "sell"
        }
    }

    static func text(_ type: OrderType) -> StaticString {
        switch type {
        case .market: "market"
        case .limit: "limit"
        case .stop: "stop"
        case .stopLimit: "stop_limit"
        }
    }

    static func text(_ status: OrderStatus) -> StaticString {
        switch status {
        case .submitted: "submitted"
        case .accepted: "accepted"
        case .partiallyFilled: "partially_filled"
        case .filled: "filled"
        case .cancelled: "cancelled"
        case .rejected: "rejected"
        case .expired: "expired"
        }
    }

    static func text(_ timeInForce: TimeInForce) -> StaticString {
        switch timeInForce {
        case .gtc: "GTC"
        case .ioc: "IOC"
        case .fok: "FOK"
        }
    }

    /// Each name as a JSON string, encoded once per list.
    static func quoted(_ names: [String]) -> [[UInt8]] {
        names.map { name in
            var writer = JSONByteWriter(pretty: false)
            writer.string(name)
            return writer.takeBytes()
        }
    }

    @inline(__always)
    static func writeSymbol(_ index: Int, _ quoted: [[UInt8]], _ names: [String], to w: inout JSONByteWriter) {
        if index >= 0 && index < quoted.count { w.raw(quoted[index]) } else { w.string(symbolName(index, names)) }
    }

    /// The symbol's text, as the records write it (`#n` for an index outside the run's symbols).
    static func symbolName(_ index: Int, _ names: [String]) -> String {
        index >= 0 && index < names.count ? names[index] : "#\(index)"
    }
}
