import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// The Bybit v5 spot adapter against the local, signature-checking Bybit test server.
@Suite("Bybit adapter against the local Bybit venue")
struct BybitAdapterTests {
    static let apiKey = "bybit-key-A1B2C3"
    static let secret = "bybit-secret-Z9Y8X7"
    static let btc = try! TradingSymbol(parsing: "BTC/USDT")

    static func makeServer(usdt: String = "10000", btc: String = "0") -> BybitTestServer {
        BybitTestServer(apiKey: apiKey, secret: secret, balances: ["USDT": usdt, "BTC": btc])
    }

    /// Serves `server` on 127.0.0.1 and hands a prepared (unless `prepare` is false) adapter to `body`.
    static func withAdapter(
        _ server: BybitTestServer, apiKey: String = apiKey, secret: String = secret, prepare: Bool = true,
        timeout: Double = 5, _ body: @Sendable @escaping (BybitAdapter) async throws -> Void
    ) async throws {
        try await withLocalServer(router: server.router()) { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: apiKey, secret: secret, password: nil), baseURL: baseURL,
                requestTimeoutSeconds: timeout)
            let adapter = BybitAdapter(configuration: configuration, httpClient: .shared)
            if prepare { try await adapter.prepare(symbols: [btc]) }
            try await body(adapter)
            await adapter.shutdown()
        }
    }

    /// The error a throwing call ends with.
    static func failure<T>(_ call: () async throws(ExecutionError) -> T) async -> ExecutionError? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    static func decimal(_ text: String) -> VenueDecimal { VenueDecimal(text)! }

    @Test("environments: production, testnet, and the baseURL override")
    func environments() {
        let production = BybitAdapter(configuration: VenueConfiguration(), httpClient: .shared)
        #expect(production.client.baseURL == "https://api.bybit.com")
        let testnet = BybitAdapter(configuration: VenueConfiguration(sandbox: true), httpClient: .shared)
        #expect(testnet.client.baseURL == "https://api-testnet.bybit.com")
        let custom = BybitAdapter(configuration: VenueConfiguration(sandbox: true, baseURL: "http://127.0.0.1:9/"), httpClient: .shared)
        #expect(custom.client.baseURL == "http://127.0.0.1:9")
        #expect(BybitAdapter.venueSymbol(Self.btc) == "BTCUSDT")
        #expect(VenueCatalog.hasSandbox("bybit"))
        #expect(VenueCatalog.adapter(exchange: "bybit", configuration: VenueConfiguration(), httpClient: .shared)?.id == "bybit")
    }

    @Test("prepare: clock, exact rules from instruments-info, and one signed call")
    func prepareLoadsRules() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let rules = try #require(adapter.rules(for: Self.btc))
            #expect(rules.venueSymbol == "BTCUSDT")
            #expect(rules.stepSize == Self.decimal("0.000001"))
            #expect(rules.tickSize == Self.decimal("0.01"))
            #expect(rules.minQuantity == Self.decimal("0.000048"))
            #expect(rules.maxQuantity == Self.decimal("71.73956243"))
            #expect(rules.minNotional == Self.decimal("1"))
            #expect(rules.maxNotional == Self.decimal("2000000"))
            #expect(server.requests.map(\.path) == ["/v5/market/time", "/v5/market/instruments-info", "/v5/account/wallet-balance"])
            #expect(server.requests[1].query == "category=spot&symbol=BTCUSDT")
            let wallet = server.requests[2]
            #expect(wallet.query == "accountType=UNIFIED")
            #expect(wallet.headers["x-bapi-api-key"] == Self.apiKey)
            #expect(wallet.headers["x-bapi-recv-window"] == "5000")
            #expect(wallet.headers["x-bapi-sign"]?.count == 64)
        }
    }

    @Test("the clock offset measured in prepare keeps signed calls inside Bybit's window")
    func clockOffset() async throws {
        let server = Self.makeServer()
        server.setClockOffset(milliseconds: 30_000)  // the venue runs 30 s ahead
        // Without prepare the timestamp is 30 s stale: Bybit's 10002 → authenticationFailed.
        try await Self.withAdapter(server, prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("10002") == true)
            try await adapter.prepare(symbols: [Self.btc])
            let balances = try await adapter.balances()
            #expect(balances.contains(VenueBalance(asset: "USDT", free: 10000, locked: 0)))
        }
    }

    @Test("market buy: base-coin qty on the wire, fills with exact qty, average and fee")
    func marketBuy() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct0123456789ab1", symbol: Self.btc, side: .buy, quantity: 0.0123456789, referencePrice: 30000))
            #expect(order.status == .filled)
            #expect(order.clientOrderId == "ct0123456789ab1")
            #expect(order.venueOrderId != nil)
            #expect(order.type == .market)
            #expect(order.quantity == 0.012345)
            #expect(order.filledQuantity == 0.012345)
            #expect(order.averageFillPrice == 30000)
            #expect(order.cumulativeFee == 0.000012345)
            #expect(order.feeAsset == "BTC")
            let create = try #require(server.requests(path: "/v5/order/create").first)
            #expect(create.headers["content-type"] == "application/json")
            #expect(create.bodyFields == [
                "category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market", "qty": "0.012345",
                "marketUnit": "baseCoin", "orderLinkId": "ct0123456789ab1",
            ])
            // 0.012345 × 30000 = 370.35 USDT spent; 0.012345 − 0.1 % fee received.
            #expect(server.balance("USDT").wallet == Decimal(string: "9629.65"))
            #expect(server.balance("BTC").wallet == Decimal(string: "0.012332655"))
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.012332655, locked: 0))
        }
    }

    @Test("limit order: quantity rounded down to basePrecision, price to the nearest tick, on the wire")
    func roundingOnTheWire() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct0123456789ab2", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.0015009,
                limitPrice: 29_999.996))
            #expect(order.status == .accepted)
            #expect(order.quantity == 0.0015)
            #expect(order.limitPrice == 30000)
            let body = try #require(server.requests(path: "/v5/order/create").first).bodyFields
            #expect(body["qty"] == "0.0015")
            #expect(body["price"] == "30000")
            #expect(body["timeInForce"] == "GTC")
            #expect(body["orderType"] == "Limit")
            #expect(body["marketUnit"] == nil)
        }
    }

    @Test("local rejection: below the minimum quantity or notional, or a bad client id — nothing sent")
    func localRejection() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let tooSmall = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct1", symbol: Self.btc, side: .buy, quantity: 0.00001, referencePrice: 30000))
            }
            #expect(tooSmall?.kind == .rejected)
            #expect(tooSmall?.message.contains("below the minimum 0.000048") == true)
            let smallNotional = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(
                    clientOrderId: "ct2", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.00005, limitPrice: 10000))
            }
            #expect(smallNotional?.kind == .rejected)
            #expect(smallNotional?.message.contains("notional 0.5 is below the minimum 1") == true)
            let badId = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct 3!", symbol: Self.btc, side: .buy, quantity: 0.001))
            }
            #expect(badId?.kind == .rejected)
            #expect(server.requests(path: "/v5/order/create").isEmpty)
        }
    }

    @Test("venue rejection: insufficient balance (170131) and a filter the venue tightened (170140)")
    func venueRejection() async throws {
        let server = Self.makeServer(usdt: "100")
        try await Self.withAdapter(server) { adapter in
            let broke = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct10", symbol: Self.btc, side: .buy, quantity: 0.01, referencePrice: 30000))
            }
            #expect(broke?.kind == .rejected)
            #expect(broke?.message.contains("Insufficient balance.") == true)
            #expect(broke?.message.contains("170131") == true)
            var stricter = BybitTestServer.Instrument.btcusdt
            stricter.minOrderAmt = "50"
            server.setInstrument(stricter)
            let filter = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct11", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            }
            #expect(filter?.kind == .rejected)
            #expect(filter?.message.contains("Order value exceeded lower limit") == true)
            #expect(server.requests(path: "/v5/order/create").count == 2)
            #expect(server.order(clientOrderId: "ct10") == nil)
            #expect(server.balance("USDT").wallet == 100)
        }
    }

    @Test("duplicate client order id: the venue's 170141 is a rejection")
    func duplicate() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let request = VenueOrderRequest(clientOrderId: "ct20", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 25000)
            _ = try await adapter.place(request)
            let again = await Self.failure { () async throws(ExecutionError) in try await adapter.place(request) }
            #expect(again?.kind == .rejected)
            #expect(again?.message.contains("Duplicate clientOrderId") == true)
        }
    }

    @Test("bad key (10003) and bad secret (10004): authenticationFailed, no key or signed text in the message")
    func badCredentials() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server, apiKey: "wrong-key-QQQ", prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("10003") == true)
            #expect(error?.message.contains("wrong-key-QQQ") == false)
        }
        try await Self.withAdapter(server, secret: "wrong-secret", prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("10004") == true)
            // Bybit's 10004 message quotes the signed string, key included: it must not be passed on.
            let last = try #require(server.requests.last)
            #expect(last.path == "/v5/account/wallet-balance")
            #expect(error.map { !$0.message.contains(Self.apiKey) && !$0.message.contains("wrong-secret") && !$0.description.contains(Self.apiKey) } == true)
        }
    }

    @Test("HTTP 429 with Retry-After: rateLimited with the wait, nothing placed")
    func rateLimited() async throws {
        let server = Self.makeServer()
        server.failNextPlace(.rateLimited(retryAfterSeconds: 1))
        try await Self.withAdapter(server) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct30", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            }
            #expect(error?.kind == .rateLimited)
            #expect(error?.retryAfter == 1)
            #expect(server.order(clientOrderId: "ct30") == nil)
            let queried1 = try await adapter.order(symbol: Self.btc, clientOrderId: "ct30")
            #expect(queried1 == nil)
        }
    }

    @Test("timeout but placed: outcomeUnknown within the request timeout, then found by client order id; one place sent")
    func timeoutButPlaced() async throws {
        let server = Self.makeServer()
        server.failNextPlace(.timeoutButPlaced(holdSeconds: 6))
        try await Self.withAdapter(server, timeout: 2) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct40", symbol: Self.btc, side: .buy, quantity: 0.002, referencePrice: 30000))
            }
            #expect(error?.kind == .outcomeUnknown)
            let found = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ct40"))
            #expect(found.status == .filled)
            #expect(found.filledQuantity == 0.002)
            #expect(server.requests(path: "/v5/order/create").count == 1)
        }
    }

    @Test("HTTP 5xx: outcomeUnknown, and the query says whether it exists")
    func serverError() async throws {
        let server = Self.makeServer()
        server.failNextPlace(.serverError(status: 503, placed: false))
        try await Self.withAdapter(server) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct41", symbol: Self.btc, side: .buy, quantity: 0.002, referencePrice: 30000))
            }
            #expect(error?.kind == .outcomeUnknown)
            let queried2 = try await adapter.order(symbol: Self.btc, clientOrderId: "ct41")
            #expect(queried2 == nil)
        }
    }

    @Test("limit rests, fills partly then fully: cumulative qty, average price, fee and balances")
    func partialThenFull() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let placed = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct50", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.01, limitPrice: 30000))
            #expect(placed.status == .accepted)
            #expect(placed.filledQuantity == 0)
            #expect(placed.averageFillPrice == nil)
            var usdt = try await adapter.balances().first { $0.asset == "USDT" }
            #expect(usdt == VenueBalance(asset: "USDT", free: 9700, locked: 300))

            #expect(server.fill(clientOrderId: "ct50", quantity: "0.004", price: "30000"))
            let partial = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ct50"))
            #expect(partial.status == .partiallyFilled)
            #expect(partial.filledQuantity == 0.004)
            #expect(partial.averageFillPrice == 30000)
            #expect(partial.cumulativeFee == 0.000004)

            #expect(server.fill(clientOrderId: "ct50", quantity: "0.006", price: "29990"))
            let full = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ct50"))
            #expect(full.status == .filled)
            #expect(full.filledQuantity == 0.01)
            // (0.004 × 30000 + 0.006 × 29990) / 0.01 = 29994
            #expect(full.averageFillPrice == 29994)
            #expect(full.cumulativeFee == 0.00001)
            #expect(full.feeAsset == "BTC")
            usdt = try await adapter.balances().first { $0.asset == "USDT" }
            #expect(usdt == VenueBalance(asset: "USDT", free: 9700.06, locked: 0))
            #expect(try await adapter.openOrders(symbol: Self.btc).isEmpty)
        }
    }

    @Test("cancel: final state, balance released; cancelling again answers the same; unknown order")
    func cancel() async throws {
        let server = Self.makeServer(btc: "1")
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct60", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.5, limitPrice: 40000))
            #expect(server.balance("BTC").locked == Decimal(string: "0.5"))
            #expect(server.fill(clientOrderId: "ct60", quantity: "0.1", price: "40000"))
            let cancelled = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct60")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.filledQuantity == 0.1)
            #expect(cancelled.side == .sell)
            #expect(server.balance("BTC") == (Decimal(string: "0.9")!, 0))
            let cancel = try #require(server.requests(path: "/v5/order/cancel").first)
            #expect(cancel.bodyFields == ["category": "spot", "symbol": "BTCUSDT", "orderLinkId": "ct60"])
            let again = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct60")
            #expect(again.status == .cancelled)
            let unknown = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctnope") }
            #expect(unknown?.kind == .unknownOrder)
            let queried3 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctnope")
            #expect(queried3 == nil)
        }
    }

    @Test("open orders: only working ones, mapped back to our symbols")
    func openOrders() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct70", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 20000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct71", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.002, limitPrice: 21000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct72", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            let all = try await adapter.openOrders(symbol: nil)
            #expect(Set(all.map(\.clientOrderId)) == ["ct70", "ct71"])
            #expect(all.allSatisfy { $0.symbol == Self.btc && $0.status == .accepted })
            #expect(all.first { $0.clientOrderId == "ct71" }?.limitPrice == 21000)
            let one = try await adapter.openOrders(symbol: Self.btc)
            #expect(one.count == 2)
            #expect(server.requests(path: "/v5/order/realtime").last?.query == "category=spot&symbol=BTCUSDT&openOnly=0&limit=50")
        }
    }

    @Test("an order gone from realtime (after a Bybit restart) is found in the history")
    func historyFallback() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct80", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            server.simulateRestart()
            let found = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ct80"))
            #expect(found.status == .filled)
            #expect(server.requests(path: "/v5/order/history").count == 1)
        }
    }

    // MARK: Private stream

    /// Collects what a stream yields.
    final class Collector: Sendable {
        let items = Mutex<[VenueOrder]>([])
        var orders: [VenueOrder] { items.withLock { $0 } }

        func start(_ stream: AsyncStream<VenueOrder>) -> Task<Void, Never> {
            Task { for await order in stream { self.items.withLock { $0.append(order) } } }
        }
    }

    /// Polls `condition` every 20 ms for up to 5 s.
    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("private stream: signed login, order updates as the order fills, reconnect after a drop")
    func privateStream() async throws {
        let server = Self.makeServer()
        try await server.run { baseURL in
            let configuration = VenueConfiguration(credentials: VenueCredentials(apiKey: Self.apiKey, secret: Self.secret, password: nil), baseURL: baseURL)
            let adapter = BybitAdapter(configuration: configuration, httpClient: .shared)
            try await adapter.prepare(symbols: [Self.btc])
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await Self.waitUntil("the subscription") { server.orderSubscribers == 1 }
            #expect(server.streamAuthentications == 1)

            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct90", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.01, limitPrice: 30000))
            #expect(server.fill(clientOrderId: "ct90", quantity: "0.004", price: "30000"))
            #expect(server.fill(clientOrderId: "ct90", quantity: "0.006", price: "29990"))
            try await Self.waitUntil("the fill") { collector.orders.contains { $0.clientOrderId == "ct90" && $0.status == .filled } }
            let updates = collector.orders.filter { $0.clientOrderId == "ct90" }
            #expect(updates.map(\.status) == [.accepted, .partiallyFilled, .filled])
            #expect(updates.map(\.filledQuantity) == [0, 0.004, 0.01])
            #expect(updates.last?.averageFillPrice == 29994)
            #expect(updates.last?.cumulativeFee == 0.00001)
            #expect(updates.allSatisfy { $0.symbol == Self.btc && $0.side == .buy })

            // The venue drops the connection: the stream logs in again and keeps delivering.
            server.dropStreamConnections()
            try await Self.waitUntil("the second login") { server.streamAuthentications == 2 && server.orderSubscribers == 1 }
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct91", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            try await Self.waitUntil("the market fill") { collector.orders.contains { $0.clientOrderId == "ct91" && $0.status == .filled } }
            await adapter.shutdown()
            _ = await task.value  // the stream finishes on shutdown
        }
    }

    @Test("private stream with a wrong secret: the login is refused, nothing is subscribed")
    func privateStreamRefused() async throws {
        let server = Self.makeServer()
        try await server.run { baseURL in
            let configuration = VenueConfiguration(credentials: VenueCredentials(apiKey: Self.apiKey, secret: "wrong-secret", password: nil), baseURL: baseURL)
            let adapter = BybitAdapter(configuration: configuration, httpClient: .shared)
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await Task.sleep(for: .milliseconds(800))
            #expect(server.streamAuthentications == 0)
            #expect(server.orderSubscribers == 0)
            await adapter.shutdown()
            _ = await task.value
        }
    }

    @Test("GET /v5/market/kline as the history downloader asks it: rows in [start, end], newest first")
    func klines() async throws {
        let server = Self.makeServer()
        let t0: Int64 = 1_704_067_200_000
        server.setCandles("BTCUSDT", (0..<5).map { i in
            BybitTestServer.Candle(openTime: t0 + Int64(i) * 60_000, open: "\(100 + i)", high: "\(110 + i)", low: "\(90 + i)", close: "\(105 + i)", volume: "1.5")
        })
        try await withLocalServer(router: server.router()) { baseURL in
            let url = baseURL + "/v5/market/kline?category=spot&symbol=BTCUSDT&interval=1&start=\(t0 + 60_000)&end=\(t0 + 180_000 - 1)&limit=1000"
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(body.contains(#""retCode":0"#))
            #expect(body.contains(#""list":[["\#(t0 + 120_000)","102","112","92","107","1.5","0"],["\#(t0 + 60_000)","101","111","91","106","1.5","0"]]"#))
        }
    }
}

