import AsyncHTTPClient
import Foundation
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// The Kraken spot adapter against the local, signature-checking Kraken test server.
@Suite("Kraken adapter against the local Kraken venue")
struct KrakenAdapterTests {
    static let apiKey = "kraken-key-K1R2A3"
    /// 64 bytes, base64, like a Kraken private key.
    static let secret = Data((0..<64).map { UInt8(($0 * 37 + 11) % 256) }).base64EncodedString()
    static let btc = try! TradingSymbol(parsing: "BTC/USD")

    static func makeServer(usd: Double = 10000, btc: Double = 0) -> KrakenTestServer {
        KrakenTestServer(keys: [apiKey: secret], balances: ["ZUSD": usd, "XXBT": btc])
    }

    /// Serves `server` on 127.0.0.1 and hands a prepared (unless `prepare` is false) adapter to `body`.
    static func withAdapter(
        _ server: KrakenTestServer, apiKey: String = apiKey, secret: String = secret, prepare: Bool = true,
        timeout: Double = 5, _ body: @Sendable @escaping (KrakenAdapter) async throws -> Void
    ) async throws {
        try await withLocalServer(router: server.router()) { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: apiKey, secret: secret, password: nil), baseURL: baseURL,
                requestTimeoutSeconds: timeout)
            let adapter = KrakenAdapter(configuration: configuration, httpClient: .shared)
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

    static func limitBuy(_ id: String, quantity: Double, price: Double) -> VenueOrderRequest {
        VenueOrderRequest(clientOrderId: id, symbol: btc, side: .buy, type: .limit, quantity: quantity, limitPrice: price)
    }

    @Test("hosts, the catalog entry (no sandbox) and BTC↔XBT naming")
    func namingAndCatalog() throws {
        let production = KrakenAdapter(configuration: VenueConfiguration(), httpClient: .shared)
        #expect(production.http.baseURL == "https://api.kraken.com")
        let custom = KrakenAdapter(configuration: VenueConfiguration(baseURL: "http://127.0.0.1:9/"), httpClient: .shared)
        #expect(custom.http.baseURL == "http://127.0.0.1:9")
        #expect(!VenueCatalog.hasSandbox("kraken"))
        #expect(VenueCatalog.adapter(exchange: "kraken", configuration: VenueConfiguration(), httpClient: .shared)?.id == "kraken")
        #expect(KrakenHTTP.pairName(Self.btc) == "XBTUSD")
        #expect(KrakenHTTP.pairName(try TradingSymbol(parsing: "DOGE/EUR")) == "XDGEUR")
        #expect(KrakenHTTP.pairName(try TradingSymbol(parsing: "ETH/USDT")) == "ETHUSDT")
        #expect(KrakenHTTP.commonAsset("XXBT") == "BTC")
        #expect(KrakenHTTP.commonAsset("XBT") == "BTC")
        #expect(KrakenHTTP.commonAsset("ZUSD") == "USD")
        #expect(KrakenHTTP.commonAsset("XXDG") == "DOGE")
        #expect(KrakenHTTP.commonAsset("USDT") == "USDT")
        #expect(KrakenHTTP.formEncode([("a", "x y/z"), ("b", "1.5")]) == "a=x%20y%2Fz&b=1.5")
    }

    @Test("prepare: Time, AssetPairs → exact rules, then one signed Balance call")
    func prepareLoadsRules() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let rules = try #require(adapter.rules(for: Self.btc))
            #expect(rules.venueSymbol == "XBTUSD")
            #expect(rules.stepSize == Self.decimal("0.00000001"))
            #expect(rules.tickSize == Self.decimal("0.1"))
            #expect(rules.minQuantity == Self.decimal("0.00005"))
            #expect(rules.minNotional == Self.decimal("0.5"))
            #expect(rules.maxQuantity == nil)
            #expect(server.requests.map(\.path) == ["/0/public/Time", "/0/public/AssetPairs", "/0/private/Balance"])
            #expect(server.requests[1].query == ["pair": "XBTUSD"])
            let balance = server.requests[2]
            #expect(balance.method == "POST")
            #expect(balance.headers["api-key"] == Self.apiKey)
            #expect(balance.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(balance.headers["user-agent"] == "cracktrader")
            #expect(balance.form.map(\.name) == ["nonce"])
            #expect(balance.errors.isEmpty)
            #expect(abs(adapter.clockOffsetMilliseconds) < 2000)
        }
    }

    @Test("prepare of a pair Kraken does not list fails with .rejected")
    func unknownPair() async throws {
        let server = Self.makeServer()
        try await withLocalServer(router: server.router()) { baseURL in
            let adapter = KrakenAdapter(
                configuration: VenueConfiguration(credentials: VenueCredentials(apiKey: Self.apiKey, secret: Self.secret, password: nil), baseURL: baseURL),
                httpClient: .shared)
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [try! TradingSymbol(parsing: "FOO/USD")]) }
            #expect(error?.kind == .rejected)
            #expect(error?.message.contains("EQuery:Unknown asset pair") == true)
        }
    }

    @Test("market buy fills at once: exact quantity, average price, fee and balances")
    func marketBuy() async throws {
        let server = Self.makeServer()
        server.setPrice("XBTUSD", 30000)
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct0123456789ab1", symbol: Self.btc, side: .buy, quantity: 0.0123, referencePrice: 30000))
            #expect(order.clientOrderId == "ct0123456789ab1")
            #expect(order.venueOrderId?.hasPrefix("O") == true)
            #expect(order.status == .filled)
            #expect(order.type == .market)
            #expect(order.side == .buy)
            #expect(order.quantity == 0.0123)
            #expect(order.filledQuantity == 0.0123)
            #expect(order.averageFillPrice == 30000)
            #expect(order.cumulativeFee == 0.9594)  // 369 USD × 0.26 %
            #expect(order.feeAsset == "USD")
            let add = try #require(server.requests(to: "AddOrder").first)
            #expect(add.form.map(\.name) == ["nonce", "ordertype", "type", "volume", "pair", "cl_ord_id"])
            #expect(add.field("ordertype") == "market")
            #expect(add.field("type") == "buy")
            #expect(add.field("volume") == "0.0123")
            #expect(add.field("pair") == "XBTUSD")
            #expect(add.field("cl_ord_id") == "ct0123456789ab1")
            #expect(add.errors.isEmpty)
            // The fills are read back by txid.
            #expect(server.requests(to: "QueryOrders").first?.field("txid") == order.venueOrderId)
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9630.0406, locked: 0))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.0123, locked: 0))
        }
    }

    @Test("quantity and prices go out rounded: volume to lot_decimals (down), price to the tick")
    func roundingOnTheWire() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let order = try await adapter.place(Self.limitBuy("ctround1", quantity: 0.123456789, price: 25000.06))
            #expect(order.status == .accepted)
            #expect(order.quantity == 0.12345678)
            #expect(order.limitPrice == 25000.1)
            let add = try #require(server.requests(to: "AddOrder").first)
            #expect(add.field("volume") == "0.12345678")
            #expect(add.field("price") == "25000.1")
            #expect(add.field("ordertype") == "limit")
            #expect(add.errors.isEmpty)
            let stop = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctstop1", symbol: Self.btc, side: .buy, type: .stopLimit, quantity: 0.001, limitPrice: 31000.04,
                stopPrice: 30999.96, timeInForce: .ioc))
            #expect(stop.type == .stopLimit)
            #expect(stop.stopPrice == 31000)
            #expect(stop.limitPrice == 31000)
            let stopAdd = try #require(server.requests(to: "AddOrder").last)
            #expect(stopAdd.field("ordertype") == "stop-loss-limit")
            #expect(stopAdd.field("price") == "31000")
            #expect(stopAdd.field("price2") == "31000")
            #expect(stopAdd.field("timeinforce") == "IOC")
        }
    }

    @Test("orders that break the rules are rejected locally; nothing is sent")
    func localRejection() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let tooSmall = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctsmall", quantity: 0.00001, price: 30000))
            }
            #expect(tooSmall?.kind == .rejected)
            #expect(tooSmall?.message.contains("below the minimum 0.00005") == true)
            let cheap = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctcheap", quantity: 0.00005, price: 5000))
            }
            #expect(cheap?.kind == .rejected)
            #expect(cheap?.message.contains("notional 0.25 is below the minimum 0.5") == true)
            let fok = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(
                    clientOrderId: "ctfok", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.01, limitPrice: 30000, timeInForce: .fok))
            }
            #expect(fok?.kind == .rejected)
            let unprepared = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "cteth", symbol: try! TradingSymbol(parsing: "ETH/USD"), side: .buy, quantity: 1))
            }
            #expect(unprepared?.kind == .rejected)
            #expect(server.requests(to: "AddOrder").isEmpty)
        }
    }

    @Test("venue rejections: insufficient funds, order and cost minimum → .rejected with Kraken's text")
    func venueRejections() async throws {
        let server = Self.makeServer(usd: 100)
        server.setPrice("XBTUSD", 30000)
        try await Self.withAdapter(server) { adapter in
            let funds = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctfunds", symbol: Self.btc, side: .buy, quantity: 0.01))
            }
            #expect(funds?.kind == .rejected)
            #expect(funds?.message == "kraken: AddOrder: EOrder:Insufficient funds")
            #expect(server.requests(to: "AddOrder").last?.errors == ["EOrder:Insufficient funds"])
            for text in ["EOrder:Order minimum not met", "EOrder:Cost minimum not met", "EGeneral:Invalid arguments:volume"] {
                server.failNext(.error(text, takesEffect: false))
                let error = await Self.failure { () async throws(ExecutionError) in
                    try await adapter.place(Self.limitBuy("ctmin", quantity: 0.001, price: 30000))
                }
                #expect(error?.kind == .rejected, "\(text)")
                #expect(error?.message.hasSuffix(text) == true)
            }
            #expect(server.orderStatus(clientOrderId: "ctmin") == nil)
        }
    }

    @Test("bad keys fail prepare with .authenticationFailed and no key text in the message")
    func badKeys() async throws {
        let server = Self.makeServer()
        let wrongSecret = Data((0..<64).map { UInt8($0) }).base64EncodedString()
        for (key, secret, expected) in [
            ("unknown-key-QQQ", Self.secret, "EAPI:Invalid key"), (Self.apiKey, wrongSecret, "EAPI:Invalid signature"),
        ] {
            try await Self.withAdapter(server, apiKey: key, secret: secret, prepare: false) { adapter in
                let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
                #expect(error?.kind == .authenticationFailed)
                #expect(error?.message.contains(expected) == true)
                #expect(error?.message.contains(key) == false)
                #expect(error?.message.contains(secret) == false)
                #expect(error.map { "\($0)" }?.contains(secret) == false)
            }
        }
        #expect(server.requests(to: "Balance").map(\.errors) == [["EAPI:Invalid key"], ["EAPI:Invalid signature"]])
        // A secret that is not base64 never reaches the venue.
        try await Self.withAdapter(server, secret: "not base64!", prepare: false) { adapter in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("not base64!") == false)
        }
        #expect(server.requests(to: "BalanceEx").isEmpty)
    }

    @Test("rate limits → .rateLimited with a wait; EService:Throttled carries its own")
    func rateLimit() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            server.failNext(.rateLimit)
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctrate", quantity: 0.001, price: 30000))
            }
            #expect(error?.kind == .rateLimited)
            #expect(error?.retryAfter == 2)
            #expect(server.orderStatus(clientOrderId: "ctrate") == nil)
            server.failNext(.error("EOrder:Rate limit exceeded", takesEffect: false), on: "BalanceEx")
            #expect(await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }?.kind == .rateLimited)
        }
        let throttled = KrakenParse.error(["EService:Throttled: 1700000010"], endpoint: "AddOrder", kind: .place, now: 1700000000)
        #expect(throttled.kind == .rateLimited)
        #expect(throttled.retryAfter == 10)
    }

    @Test("timeout, but the order is placed: .outcomeUnknown, then found by client order id; one AddOrder")
    func timeoutButPlaced() async throws {
        let server = Self.makeServer()
        server.setPrice("XBTUSD", 30000)
        try await Self.withAdapter(server, timeout: 2) { adapter in
            // Held 6 s, past the adapter's 2 s timeout (generous: tests run in parallel).
            server.failNext(.delayedAnswer(seconds: 6))
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "cttimeout1", symbol: Self.btc, side: .buy, quantity: 0.01))
            }
            #expect(error?.kind == .outcomeUnknown)
            let found = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "cttimeout1"))
            #expect(found.status == .filled)
            #expect(found.filledQuantity == 0.01)
            #expect(found.averageFillPrice == 30000)
            #expect(found.cumulativeFee == 0.78)
            #expect(server.requests(to: "AddOrder").count == 1)
        }
    }

    @Test("EService:Unavailable / Deadline elapsed / 5xx on AddOrder → .outcomeUnknown; on reads → .unreachable")
    func serviceErrors() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            server.failNext(.error("EService:Unavailable", takesEffect: true))
            let unavailable = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctsvc1", quantity: 0.001, price: 30000))
            }
            #expect(unavailable?.kind == .outcomeUnknown)
            let answer1 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctsvc1")
            #expect(answer1?.status == .accepted)
            server.failNext(.error("EService:Deadline elapsed", takesEffect: false))
            let deadline = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctsvc2", quantity: 0.001, price: 30000))
            }
            #expect(deadline?.kind == .outcomeUnknown)
            let answer2 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctsvc2")
            #expect(answer2 == nil)
            server.failNext(.httpStatus(502, takesEffect: true))
            let gateway = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctsvc3", quantity: 0.001, price: 30000))
            }
            #expect(gateway?.kind == .outcomeUnknown)
            let answer3 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctsvc3")
            #expect(answer3?.status == .accepted)
            server.failNext(.error("EService:Unavailable", takesEffect: false), on: "BalanceEx")
            #expect(await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }?.kind == .unreachable)
            #expect(server.requests(to: "AddOrder").count == 3)
        }
    }

    @Test("a limit order rests, fills partly, then fully: cumulative quantity, average, fee, holds")
    func limitPartialThenFull() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let placed = try await adapter.place(Self.limitBuy("ctlimit1", quantity: 0.01, price: 29000))
            #expect(placed.status == .accepted)
            #expect(placed.filledQuantity == 0)
            #expect(placed.averageFillPrice == nil)
            #expect(placed.limitPrice == 29000)
            let held = try await adapter.balances().first { $0.asset == "USD" }
            #expect(held == VenueBalance(asset: "USD", free: 9709.536, locked: 290.464))  // 0.01 × 29000 × 1.0016
            #expect(server.fill(clientOrderId: "ctlimit1", quantity: 0.004, price: 29000))
            let partial = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(partial.status == .partiallyFilled)
            #expect(partial.filledQuantity == 0.004)
            #expect(partial.averageFillPrice == 29000)
            #expect(partial.cumulativeFee == 0.1856)
            #expect(server.fill(clientOrderId: "ctlimit1", quantity: 0.006, price: 28900))
            let full = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(full.status == .filled)
            #expect(full.filledQuantity == 0.01)
            #expect(full.averageFillPrice == 28940)  // (116 + 173.4) / 0.01
            #expect(full.cumulativeFee == 0.46304)
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9710.13696, locked: 0))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.01, locked: 0))
            let answer4 = try await adapter.openOrders(symbol: Self.btc)
            #expect(answer4.isEmpty)
        }
    }

    @Test("cancel by cl_ord_id answers the cancelled order and frees the hold; unknown ids → .unknownOrder / nil")
    func cancelAndUnknown() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(Self.limitBuy("ctcancel1", quantity: 0.01, price: 29000))
            let cancelled = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctcancel1")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.clientOrderId == "ctcancel1")
            #expect(cancelled.filledQuantity == 0)
            #expect(server.orderStatus(clientOrderId: "ctcancel1") == "canceled")
            let cancel = try #require(server.requests(to: "CancelOrder").first)
            #expect(cancel.form.map(\.name) == ["nonce", "cl_ord_id"])
            #expect(cancel.field("cl_ord_id") == "ctcancel1")
            #expect(server.balance("ZUSD").held == 0)
            let again = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctcancel1") }
            #expect(again?.kind == .unknownOrder)
            let unknown = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctnothere") }
            #expect(unknown?.kind == .unknownOrder)
            #expect(unknown?.message == "kraken: CancelOrder: EOrder:Unknown order")
            let answer5 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctnothere")
            #expect(answer5 == nil)
            #expect(server.requests(to: "OpenOrders").last?.field("cl_ord_id") == "ctnothere")
            #expect(server.requests(to: "ClosedOrders").last?.field("cl_ord_id") == "ctnothere")
        }
    }

    @Test("open orders lists exactly the resting ones; balances show the holds")
    func openOrdersAndBalances() async throws {
        let server = Self.makeServer(usd: 10000, btc: 0.5)
        server.setPrice("XBTUSD", 30000)
        try await Self.withAdapter(server) { adapter in
            _ = try await adapter.place(Self.limitBuy("ctopen1", quantity: 0.01, price: 25000))
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctopen2", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.2, limitPrice: 40000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ctmarket", symbol: Self.btc, side: .buy, quantity: 0.001))
            let open = try await adapter.openOrders(symbol: Self.btc)
            #expect(Set(open.map(\.clientOrderId)) == ["ctopen1", "ctopen2"])
            #expect(open.allSatisfy { $0.status == .accepted && $0.symbol == Self.btc })
            #expect(open.first { $0.clientOrderId == "ctopen2" }?.side == .sell)
            #expect(open.first { $0.clientOrderId == "ctopen2" }?.quantity == 0.2)
            let answer6 = try await adapter.openOrders(symbol: nil)
            #expect(answer6.count == 2)
            let answer7 = try await adapter.openOrders(symbol: try TradingSymbol(parsing: "ETH/USD"))
            #expect(answer7.isEmpty)
            let balances = try await adapter.balances()
            // USD: 10000 − 30.078 (market 0.001 at 30000 + 0.26 %) − 250.4 held (0.01 × 25000 × 1.0016).
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9719.522, locked: 250.4))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.301, locked: 0.2))
            #expect(balances.map(\.asset) == ["BTC", "USD"])
        }
    }

    @Test("nonces strictly increase across concurrent calls, as they reach the venue")
    func concurrentNonces() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        if index % 2 == 0 { _ = try await adapter.balances() } else { _ = try await adapter.openOrders(symbol: nil) }
                    }
                }
                try await group.waitForAll()
            }
            let privateCalls = server.requests.filter { $0.path.hasPrefix("/0/private/") }
            #expect(privateCalls.count == 13)
            #expect(privateCalls.allSatisfy { $0.errors.isEmpty })
            let nonces = privateCalls.compactMap(\.nonce)
            #expect(nonces.count == 13)
            #expect(zip(nonces, nonces.dropFirst()).allSatisfy { $0 < $1 })
        }
    }

    @Test("EAPI:Invalid nonce: a read resyncs and retries once; a place is never retried")
    func invalidNonce() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter in
            let nowMilliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
            // Another client of the key moved Kraken's nonce far past our millisecond clock.
            server.setLastNonce(nowMilliseconds + 1_000_000_000, apiKey: Self.apiKey)
            let balances = try await adapter.balances()
            #expect(balances.contains { $0.asset == "USD" })
            #expect(server.requests(to: "BalanceEx").map(\.errors) == [["EAPI:Invalid nonce"], []])
        }
        try await Self.withAdapter(server) { adapter in
            server.setLastNonce(UInt64.max - 1, apiKey: Self.apiKey)
            let before = server.requests(to: "AddOrder").count
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctnonce", quantity: 0.001, price: 30000))
            }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("EAPI:Invalid nonce") == true)
            #expect(server.requests(to: "AddOrder").count == before + 1)
        }
    }

    @Test("the local venue serves OHLC for the history downloader")
    func ohlc() async throws {
        let server = Self.makeServer()
        server.setCandles([
            .init(time: 1_700_000_000, open: 100, high: 110, low: 90, close: 105, volume: 1.5),
            .init(time: 1_700_000_060, open: 105, high: 106, low: 104, close: 104.5, volume: 2),
        ], pair: "XBTUSD")
        try await withLocalServer(router: server.router()) { baseURL in
            let client = VenueHTTPClient(httpClient: .shared, venue: "kraken", baseURL: baseURL, configuration: VenueConfiguration())
            let response = try await client.send(KrakenHTTP.publicRequest("OHLC", query: [("pair", "XBTUSD"), ("interval", "1"), ("since", "1699999999")]))
            #expect(response.status == 200)
            let body = response.bodyText
            let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let result = try #require(object["result"] as? [String: Any])
            let rows = try #require(result["XXBTZUSD"] as? [[Any]])
            #expect(rows.count == 2)
            #expect(rows[1][4] as? String == "104.5")
            #expect(result["last"] as? Int == 1_700_000_060)
        }
    }
}
