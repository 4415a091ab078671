import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// The OKX v5 spot adapter against the local, signature-checking OKX test server.
@Suite("OKX adapter against the local OKX venue")
struct OKXAdapterTests {
    static let apiKey = "okx-key-7f3e2d1c"
    static let secret = "okx-secret-22582BD0CFF14C41"
    static let passphrase = "okx-Passphrase-9"
    static let btc = try! TradingSymbol(parsing: "BTC/USDT")

    static func makeServer(usdt: String = "10000", btc: String = "0", demo: Bool = false) -> OKXTestServer {
        OKXTestServer(apiKey: apiKey, secret: secret, passphrase: passphrase, demo: demo, balances: ["USDT": usdt, "BTC": btc])
    }

    static func withAdapter(
        _ server: OKXTestServer, apiKey: String = apiKey, secret: String = secret, passphrase: String? = passphrase, sandbox: Bool = false,
        prepare: Bool = true, timeout: Double = 5, _ body: @Sendable @escaping (OKXAdapter) async throws -> Void
    ) async throws {
        try await withLocalServer(router: server.router()) { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: apiKey, secret: secret, password: passphrase), sandbox: sandbox, baseURL: baseURL,
                requestTimeoutSeconds: timeout)
            let adapter = OKXAdapter(configuration: configuration, httpClient: .shared)
            if prepare { try await adapter.prepare(symbols: [btc]) }
            try await body(adapter)
            await adapter.shutdown()
        }
    }

    static func failure<T>(_ call: () async throws(ExecutionError) -> T) async -> ExecutionError? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    static func decimal(_ text: String) -> VenueDecimal { VenueDecimal(text)! }

    @Test("environments, instrument ids and the ISO timestamp format")
    func environments() {
        let production = OKXAdapter(configuration: VenueConfiguration(), httpClient: .shared)
        #expect(production.client.baseURL == "https://www.okx.com")
        #expect(production.http.demo == false)
        let demo = OKXAdapter(configuration: VenueConfiguration(sandbox: true), httpClient: .shared)
        #expect(demo.client.baseURL == "https://www.okx.com")
        #expect(demo.http.demo)
        #expect(OKXAdapter.instrumentId(Self.btc) == "BTC-USDT")
        #expect(OKXHTTP.isoTimestamp(milliseconds: 1_607_418_537_715) == "2020-12-08T09:08:57.715Z")
        #expect(OKXHTTP.isoTimestamp(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(OKXHTTP.isoTimestamp(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(VenueCatalog.hasSandbox("okx"))
        #expect(VenueCatalog.adapter(exchange: "okx", configuration: VenueConfiguration(), httpClient: .shared)?.id == "okx")
    }

    @Test("prepare: clock, exact rules from public/instruments, and one signed call")
    func prepareLoadsRules() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let rules = try #require(adapter.rules(for: Self.btc))
            #expect(rules.venueSymbol == "BTC-USDT")
            #expect(rules.stepSize == Self.decimal("0.00000001"))
            #expect(rules.tickSize == Self.decimal("0.1"))
            #expect(rules.minQuantity == Self.decimal("0.00001"))
            #expect(rules.maxQuantity == Self.decimal("9999999999"))
            #expect(rules.minNotional == nil)
            #expect(server.requests.map(\.path) == ["/api/v5/public/time", "/api/v5/public/instruments", "/api/v5/account/balance"])
            #expect(server.requests[1].query == "instType=SPOT&instId=BTC-USDT")
            let balance = server.requests[2]
            #expect(balance.headers["ok-access-key"] == Self.apiKey)
            #expect(balance.headers["ok-access-passphrase"] == Self.passphrase)
            #expect(balance.headers["x-simulated-trading"] == nil)
            #expect(balance.headers["ok-access-timestamp"]?.count == 24)
        }
    }

    @Test("demo trading: x-simulated-trading: 1 on every request; a live key on demo (or back) is 50101")
    func demoHeader() async throws {
        let demoServer = Self.makeServer(demo: true)
        try await Self.withAdapter(demoServer, sandbox: true) { adapter in
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            #expect(demoServer.requests.count == 5)
            #expect(demoServer.requests.allSatisfy { $0.headers["x-simulated-trading"] == "1" })
        }
        // The live adapter against a demo key: refused as the wrong environment.
        try await Self.withAdapter(demoServer, sandbox: false, prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("50101") == true)
        }
    }

    @Test("the clock offset measured in prepare keeps signed calls inside the 30 s window")
    func clockOffset() async throws {
        let server = Self.makeServer()
        server.setClockOffset(milliseconds: -45_000)  // the venue runs 45 s behind
        try await Self.withAdapter(server, prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("50102") == true)
            try await adapter.prepare(symbols: [Self.btc])
            #expect(try await adapter.balances().contains(VenueBalance(asset: "USDT", free: 10000, locked: 0)))
        }
    }

    @Test("market buy: tgtCcy=base_ccy, tdMode=cash, exact fill qty, average and fee")
    func marketBuy() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct0123456789ab1", symbol: Self.btc, side: .buy, quantity: 0.012345678912, referencePrice: 30000))
            #expect(order.status == .filled)
            #expect(order.clientOrderId == "ct0123456789ab1")
            #expect(order.venueOrderId != nil)
            #expect(order.quantity == 0.01234567)
            #expect(order.filledQuantity == 0.01234567)
            #expect(order.averageFillPrice == 30000)
            #expect(order.cumulativeFee == 0.00001234567)
            #expect(order.feeAsset == "BTC")
            let place = try #require(server.requests(path: "/api/v5/trade/order", method: "POST").first)
            #expect(place.bodyFields == [
                "instId": "BTC-USDT", "tdMode": "cash", "clOrdId": "ct0123456789ab1", "side": "buy", "ordType": "market",
                "sz": "0.01234567", "tgtCcy": "base_ccy",
            ])
            #expect(place.headers["content-type"] == "application/json")
            // 0.01234567 × 30000 = 370.3701 USDT.
            #expect(server.balance("USDT").cash == Decimal(string: "9629.6299"))
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.01233332433, locked: 0))
        }
    }

    @Test("limit: size rounded down to lotSz, price to the nearest tickSz, on the wire; IOC becomes ordType ioc")
    func roundingOnTheWire() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct2", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001000009, limitPrice: 29_999.96))
            #expect(order.status == .accepted)
            #expect(order.quantity == 0.001)
            #expect(order.limitPrice == 30000)
            let body = try #require(server.requests(path: "/api/v5/trade/order", method: "POST").first).bodyFields
            #expect(body["sz"] == "0.001")
            #expect(body["px"] == "30000")
            #expect(body["ordType"] == "limit")
            #expect(body["tgtCcy"] == nil)
            let ioc = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct3", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 1000.04, timeInForce: .ioc))
            #expect(ioc.status == .cancelled)
            let iocBody = try #require(server.requests(path: "/api/v5/trade/order", method: "POST").last).bodyFields
            #expect(iocBody["ordType"] == "ioc")
            #expect(iocBody["px"] == "1000")
        }
    }

    @Test("local rejection: below minSz, or a clOrdId OKX does not accept — nothing sent")
    func localRejection() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let tooSmall = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct4", symbol: Self.btc, side: .buy, quantity: 0.000009, referencePrice: 30000))
            }
            #expect(tooSmall?.kind == .rejected)
            #expect(tooSmall?.message.contains("below the minimum 0.00001") == true)
            let badId = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct-5_x", symbol: Self.btc, side: .buy, quantity: 0.001))
            }
            #expect(badId?.kind == .rejected)
            let stop = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct6", symbol: Self.btc, side: .sell, type: .stop, quantity: 0.001, stopPrice: 20000))
            }
            #expect(stop?.kind == .rejected)
            #expect(server.requests(path: "/api/v5/trade/order", method: "POST").isEmpty)
        }
    }

    @Test("venue rejection: insufficient balance (sCode 51008 inside code 1) and a tightened filter (51020)")
    func venueRejection() async throws {
        let server = Self.makeServer(usdt: "100")
        try await Self.withAdapter(server) { adapter in
            let broke = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct10", symbol: Self.btc, side: .buy, quantity: 0.01, referencePrice: 30000))
            }
            #expect(broke?.kind == .rejected)
            #expect(broke?.message.contains("Order failed. Insufficient USDT balance in account.") == true)
            #expect(broke?.message.contains("51008") == true)
            var stricter = OKXTestServer.Instrument.btcusdt
            stricter.minSz = "0.01"
            server.setInstrument(stricter)
            let filter = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct11", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            }
            #expect(filter?.kind == .rejected)
            #expect(filter?.message.contains("51020") == true)
            #expect(server.order(clientOrderId: "ct10") == nil)
            #expect(server.balance("USDT").cash == 100)
        }
    }

    @Test("duplicate clOrdId of a pending order: 51016 is a rejection")
    func duplicate() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let request = VenueOrderRequest(clientOrderId: "ct20", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 25000)
            _ = try await adapter.place(request)
            let again = await Self.failure { () async throws(ExecutionError) in try await adapter.place(request) }
            #expect(again?.kind == .rejected)
            #expect(again?.message.contains("51016") == true)
        }
    }

    @Test("bad key (50111), passphrase (50105), secret (50113), missing passphrase: authenticationFailed without secrets")
    func badCredentials() async throws {
        let server = Self.makeServer()
        let cases: [(String, String, String?, String)] = [
            ("wrong-key-QQQ", Self.secret, Self.passphrase, "50111"),
            (Self.apiKey, Self.secret, "wrong-pass-PPP", "50105"),
            (Self.apiKey, "wrong-secret-SSS", Self.passphrase, "50113"),
        ]
        for (key, secret, passphrase, code) in cases {
            try await Self.withAdapter(server, apiKey: key, secret: secret, passphrase: passphrase, prepare: false) { adapter in
                let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
                #expect(error?.kind == .authenticationFailed)
                #expect(error?.message.contains(code) == true)
                for secretText in [key, secret, passphrase ?? "-"] {
                    #expect(error?.description.contains(secretText) == false)
                }
            }
        }
        try await Self.withAdapter(server, passphrase: nil, prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("password") == true)
        }
    }

    @Test("HTTP 429 (50011) with Retry-After: rateLimited with the wait, nothing placed")
    func rateLimited() async throws {
        let server = Self.makeServer()
        server.failNextPlace(.rateLimited(retryAfterSeconds: 1))
        try await Self.withAdapter(server) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct30", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            }
            #expect(error?.kind == .rateLimited)
            #expect(error?.retryAfter == 1)
            let queried1 = try await adapter.order(symbol: Self.btc, clientOrderId: "ct30")
            #expect(queried1 == nil)
        }
    }

    @Test("timeout but placed: outcomeUnknown within the request timeout, then found by clOrdId; one place sent")
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
            #expect(server.requests(path: "/api/v5/trade/order", method: "POST").count == 1)
        }
    }

    @Test("51149 (order timed out) inside code 1, and HTTP 5xx: outcomeUnknown")
    func statusUnknownCodes() async throws {
        let server = Self.makeServer()
        server.failNextPlace(.reject(sCode: "51149", sMsg: "Order timed out, please try again later."))
        server.failNextPlace(.serverError(status: 503, placed: true))
        try await Self.withAdapter(server) { adapter in
            let timedOut = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct41", symbol: Self.btc, side: .buy, quantity: 0.002, referencePrice: 30000))
            }
            #expect(timedOut?.kind == .outcomeUnknown)
            let unavailable = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct42", symbol: Self.btc, side: .buy, quantity: 0.002, referencePrice: 30000))
            }
            #expect(unavailable?.kind == .outcomeUnknown)
            let queried2 = try await adapter.order(symbol: Self.btc, clientOrderId: "ct41")
            #expect(queried2 == nil)
            let queried3 = try await adapter.order(symbol: Self.btc, clientOrderId: "ct42")
            #expect(queried3?.status == .filled)
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
            #expect(try await adapter.balances().first { $0.asset == "USDT" } == VenueBalance(asset: "USDT", free: 9700, locked: 300))

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
            #expect(full.averageFillPrice == 29994)
            #expect(full.cumulativeFee == 0.00001)
            #expect(full.feeAsset == "BTC")
            #expect(try await adapter.balances().first { $0.asset == "USDT" } == VenueBalance(asset: "USDT", free: 9700.06, locked: 0))
            #expect(try await adapter.openOrders(symbol: nil).isEmpty)
        }
    }

    @Test("cancel: final state, balance released; cancelling again answers the same; unknown order")
    func cancel() async throws {
        let server = Self.makeServer(btc: "1")
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct60", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.5, limitPrice: 40000))
            #expect(server.balance("BTC").frozen == Decimal(string: "0.5"))
            #expect(server.fill(clientOrderId: "ct60", quantity: "0.1", price: "40000"))
            let cancelled = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct60")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.filledQuantity == 0.1)
            #expect(cancelled.cumulativeFee == 4)  // 0.1 × 40000 × 0.1 %, in USDT
            #expect(cancelled.feeAsset == "USDT")
            #expect(server.balance("BTC") == (Decimal(string: "0.9")!, 0))
            #expect(server.requests(path: "/api/v5/trade/cancel-order").first?.bodyFields == ["instId": "BTC-USDT", "clOrdId": "ct60"])
            let again = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct60")
            #expect(again.status == .cancelled)
            let unknown = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctnope") }
            #expect(unknown?.kind == .unknownOrder)
            let queried4 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctnope")
            #expect(queried4 == nil)
        }
    }

    @Test("open orders: live and partially filled ones, mapped back from instId")
    func openOrders() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct70", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 20000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct71", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.002, limitPrice: 21000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ct72", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            #expect(server.fill(clientOrderId: "ct71", quantity: "0.001", price: "21000"))
            let all = try await adapter.openOrders(symbol: nil)
            #expect(Set(all.map(\.clientOrderId)) == ["ct70", "ct71"])
            #expect(all.allSatisfy { $0.symbol == Self.btc })
            #expect(all.first { $0.clientOrderId == "ct71" }?.status == .partiallyFilled)
            #expect(server.requests(path: "/api/v5/trade/orders-pending").last?.query == "instType=SPOT&limit=100")
            #expect(try await adapter.openOrders(symbol: Self.btc).count == 2)
            #expect(server.requests(path: "/api/v5/trade/orders-pending").last?.query == "instType=SPOT&instId=BTC-USDT&limit=100")
        }
    }

    @Test("the server's signature check: an independent base64 HMAC of the documented prehash")
    func serverSignatureCheck() async throws {
        // A hand-signed request (not through the adapter) is accepted; one byte off is 50113.
        let server = Self.makeServer()
        try await withLocalServer(router: server.router()) { baseURL in
            func send(tamper: Bool) async throws -> String {
                let timestamp = OKXHTTP.isoTimestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
                let path = "/api/v5/account/balance?ccy=USDT"
                let prehash = timestamp + "GET" + path
                let mac = HMAC<SHA256>.authenticationCode(for: Data(prehash.utf8), using: SymmetricKey(data: Data(Self.secret.utf8)))
                var request = HTTPClientRequest(url: baseURL + (tamper ? "/api/v5/account/balance?ccy=BTC" : path))
                request.headers.add(name: "OK-ACCESS-KEY", value: Self.apiKey)
                request.headers.add(name: "OK-ACCESS-SIGN", value: Data(mac).base64EncodedString())
                request.headers.add(name: "OK-ACCESS-TIMESTAMP", value: timestamp)
                request.headers.add(name: "OK-ACCESS-PASSPHRASE", value: Self.passphrase)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                return String(buffer: try await response.body.collect(upTo: 1 << 20))
            }
            let accepted = try await send(tamper: false)
            let refused = try await send(tamper: true)
            #expect(accepted.contains(#""ccy":"USDT""#))
            #expect(refused.contains(#""code":"50113""#))
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
            let configuration = VenueConfiguration(credentials: VenueCredentials(apiKey: Self.apiKey, secret: Self.secret, password: Self.passphrase), baseURL: baseURL)
            let adapter = OKXAdapter(configuration: configuration, httpClient: .shared)
            try await adapter.prepare(symbols: [Self.btc])
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await Self.waitUntil("the subscription") { server.orderSubscribers == 1 }
            #expect(server.streamLogins == 1)

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
            try await Self.waitUntil("the second login") { server.streamLogins == 2 && server.orderSubscribers == 1 }
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
            let configuration = VenueConfiguration(credentials: VenueCredentials(apiKey: Self.apiKey, secret: "wrong-secret", password: Self.passphrase), baseURL: baseURL)
            let adapter = OKXAdapter(configuration: configuration, httpClient: .shared)
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await Task.sleep(for: .milliseconds(800))
            #expect(server.streamLogins == 0)
            #expect(server.orderSubscribers == 0)
            await adapter.shutdown()
            _ = await task.value
        }
    }

    @Test("GET /api/v5/market/history-candles as the history downloader asks it: after/before exclusive, newest first")
    func candles() async throws {
        let server = Self.makeServer()
        let t0: Int64 = 1_704_067_200_000
        server.setCandles("BTC-USDT", (0..<5).map { i in
            OKXTestServer.Candle(ts: t0 + Int64(i) * 60_000, open: "\(100 + i)", high: "\(110 + i)", low: "\(90 + i)", close: "\(105 + i)", volume: "2")
        })
        try await withLocalServer(router: server.router()) { baseURL in
            for path in ["/api/v5/market/history-candles", "/api/v5/market/candles"] {
                let url = baseURL + path + "?instId=BTC-USDT&bar=1m&after=\(t0 + 180_000)&before=\(t0 + 60_000 - 1)&limit=100"
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(body == #"{"code":"0","msg":"","data":[["\#(t0 + 120_000)","102","112","92","107","2","0","0","1"],["\#(t0 + 60_000)","101","111","91","106","2","0","0","1"]]}"#)
            }
        }
    }
}

