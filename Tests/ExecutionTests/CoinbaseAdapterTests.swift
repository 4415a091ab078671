import AsyncHTTPClient
import Crypto
import Foundation
import NIOHTTP1
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// The Coinbase Advanced Trade adapter against the local, JWT-checking Coinbase test server.
@Suite("Coinbase adapter against the local Coinbase venue")
struct CoinbaseAdapterTests {
    static let keyName = CoinbaseSignerTests.keyName
    static let secret = CoinbaseSignerTests.sdkTestSecret
    static let publicKey = try! P256.Signing.PrivateKey(pemRepresentation: secret).publicKey
    static let btc = try! TradingSymbol(parsing: "BTC/USD")

    static func makeServer(usd: Double = 10000, btc: Double = 0, keys: [String: CoinbaseTestServer.PublicKey]? = nil) -> CoinbaseTestServer {
        CoinbaseTestServer(keys: keys ?? [keyName: .p256(publicKey)], balances: ["USD": usd, "BTC": btc])
    }

    static func withAdapter(
        _ server: CoinbaseTestServer, keyName: String = keyName, secret: String = secret, prepare: Bool = true,
        timeout: Double = 5, _ body: @Sendable @escaping (CoinbaseAdapter, String) async throws -> Void
    ) async throws {
        try await withLocalServer(router: server.router()) { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: keyName, secret: secret, password: nil), baseURL: baseURL,
                requestTimeoutSeconds: timeout)
            let adapter = CoinbaseAdapter(configuration: configuration, httpClient: .shared)
            if prepare { try await adapter.prepare(symbols: [btc]) }
            try await body(adapter, baseURL)
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

    @Test("hosts: production, sandbox, the baseURL override; the catalog entry has a sandbox")
    func hostsAndCatalog() {
        let production = CoinbaseAdapter(configuration: VenueConfiguration(), httpClient: .shared)
        #expect(production.http.baseURL == "https://api.coinbase.com")
        #expect(production.host == "api.coinbase.com")
        let sandbox = CoinbaseAdapter(configuration: VenueConfiguration(sandbox: true), httpClient: .shared)
        #expect(sandbox.http.baseURL == "https://api-sandbox.coinbase.com")
        #expect(sandbox.host == "api-sandbox.coinbase.com")
        let custom = CoinbaseAdapter(configuration: VenueConfiguration(sandbox: true, baseURL: "http://127.0.0.1:9/"), httpClient: .shared)
        #expect(custom.http.baseURL == "http://127.0.0.1:9")
        #expect(custom.host == "127.0.0.1:9")
        #expect(VenueCatalog.hasSandbox("coinbase"))
        #expect(VenueCatalog.adapter(exchange: "coinbase", configuration: VenueConfiguration(), httpClient: .shared)?.id == "coinbase")
        #expect(CoinbaseHTTP.productId(Self.btc) == "BTC-USD")
        #expect(CoinbaseHTTP.symbol(productId: "ETH-USDC") == (try? TradingSymbol(parsing: "ETH/USDC")))
        #expect(CoinbaseParse.milliseconds(iso8601: "2024-01-15T10:00:00.123456Z") == 1_705_312_800_123)
        #expect(CoinbaseParse.milliseconds(iso8601: "2024-01-15T12:00:00+02:00") == 1_705_312_800_000)
    }

    @Test("prepare: public /time, the product → exact rules, then one signed accounts call")
    func prepareLoadsRules() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            let rules = try #require(adapter.rules(for: Self.btc))
            #expect(rules.venueSymbol == "BTC-USD")
            #expect(rules.stepSize == Self.decimal("0.00000001"))
            #expect(rules.tickSize == Self.decimal("0.01"))
            #expect(rules.minQuantity == Self.decimal("0.00000001"))
            #expect(rules.maxQuantity == Self.decimal("3400"))
            #expect(rules.minNotional == Self.decimal("1"))
            #expect(rules.maxNotional == Self.decimal("150000000"))
            #expect(server.requests.map(\.path) == [
                "/api/v3/brokerage/time", "/api/v3/brokerage/products/BTC-USD", "/api/v3/brokerage/accounts",
            ])
            #expect(server.requests[0].headers["authorization"] == nil)
            #expect(server.requests[2].query == ["limit": "1"])
            #expect(server.requests.allSatisfy { $0.status == 200 && $0.authFailure == nil })
            #expect(abs(adapter.clockOffsetSeconds) <= 1)
        }
    }

    @Test("every signed request carries a fresh JWT whose uri is its method, host and path (no query)")
    func jwtPerRequest() async throws {
        let server = Self.makeServer()
        server.setPrice("BTC-USD", 30000)
        try await Self.withAdapter(server) { adapter, baseURL in
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ctjwt1", symbol: Self.btc, side: .buy, quantity: 0.001))
            _ = try await adapter.openOrders(symbol: Self.btc)
            _ = try await adapter.balances()
            let host = String(baseURL.dropFirst("http://".count))
            let signed = server.requests.filter { $0.path != "/api/v3/brokerage/time" }
            #expect(signed.count == 6)  // product, accounts, POST orders, GET order, list, accounts
            for request in signed {
                #expect(request.host == host)
                #expect(request.claims["uri"] == "\(request.method) \(host)\(request.path)", "\(request.path)")
                #expect(request.claims["iss"] == "cdp")
                #expect(request.claims["sub"] == Self.keyName)
                #expect(request.claims["alg"] == "ES256")
            }
            #expect(Set(signed.compactMap { $0.claims["nonce"] }).count == signed.count)
            #expect(signed.contains { !$0.query.isEmpty })
        }
    }

    @Test("market buy fills at once: exact body, quantity, average price, fee and balances")
    func marketBuy() async throws {
        let server = Self.makeServer()
        server.setPrice("BTC-USD", 30000)
        try await Self.withAdapter(server) { adapter, _ in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ct0123456789ab1", symbol: Self.btc, side: .buy, quantity: 0.0123, referencePrice: 30000))
            #expect(order.clientOrderId == "ct0123456789ab1")
            #expect(order.venueOrderId?.count == 36)
            #expect(order.status == .filled)
            #expect(order.type == .market)
            #expect(order.quantity == 0.0123)
            #expect(order.filledQuantity == 0.0123)
            #expect(order.averageFillPrice == 30000)
            #expect(order.cumulativeFee == 2.214)  // 369 USD × 0.6 %
            #expect(order.feeAsset == "USD")
            let post = try #require(server.requests(to: "POST /orders").first)
            #expect(post.body == #"{"client_order_id":"ct0123456789ab1","order_configuration":{"market_market_ioc":{"base_size":"0.0123"}},"product_id":"BTC-USD","side":"BUY"}"#)
            #expect(post.headers["content-type"] == "application/json")
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9628.786, locked: 0))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.0123, locked: 0))
            #expect(server.requests(to: "GET /accounts").last?.query == ["limit": "250"])
        }
    }

    @Test("quantity and prices go out rounded to base_increment (down) and price_increment (nearest)")
    func roundingOnTheWire() async throws {
        let server = Self.makeServer(btc: 1)
        try await Self.withAdapter(server) { adapter, _ in
            let order = try await adapter.place(Self.limitBuy("ctround1", quantity: 0.123456789, price: 25000.006))
            #expect(order.status == .accepted)
            #expect(order.quantity == 0.12345678)
            #expect(order.limitPrice == 25000.01)
            #expect(server.requests(to: "POST /orders").last?.body
                == #"{"client_order_id":"ctround1","order_configuration":{"limit_limit_gtc":{"base_size":"0.12345678","limit_price":"25000.01","post_only":false}},"product_id":"BTC-USD","side":"BUY"}"#)
            let stop = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctstop1", symbol: Self.btc, side: .sell, type: .stopLimit, quantity: 0.5, limitPrice: 27999.994,
                stopPrice: 28000.004))
            #expect(stop.type == .stopLimit)
            #expect(stop.limitPrice == 27999.99)
            #expect(stop.stopPrice == 28000)
            #expect(server.requests(to: "POST /orders").last?.body
                == #"{"client_order_id":"ctstop1","order_configuration":{"stop_limit_stop_limit_gtc":{"base_size":"0.5","limit_price":"27999.99","stop_direction":"STOP_DIRECTION_STOP_DOWN","stop_price":"28000"}},"product_id":"BTC-USD","side":"SELL"}"#)
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctioc1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 20000, timeInForce: .ioc))
            #expect(server.requests(to: "POST /orders").last?.body.contains(#""sor_limit_ioc":{"base_size":"0.001","limit_price":"20000"}"#) == true)
        }
    }

    @Test("orders that break the rules are rejected locally; nothing is sent")
    func localRejection() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            let cheap = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctcheap", quantity: 0.00001, price: 50000))
            }
            #expect(cheap?.kind == .rejected)
            #expect(cheap?.message.contains("notional 0.5 is below the minimum 1") == true)
            let large = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctlarge", quantity: 5000, price: 1))
            }
            #expect(large?.message.contains("above the maximum 3400") == true)
            let stopMarket = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctstopm", symbol: Self.btc, side: .sell, type: .stop, quantity: 0.1, stopPrice: 25000))
            }
            #expect(stopMarket?.kind == .rejected)
            #expect(server.requests(to: "POST /orders").isEmpty)
        }
    }

    @Test("venue rejections: insufficient funds and filter failures → .rejected with the failure reason")
    func venueRejections() async throws {
        let server = Self.makeServer(usd: 100)
        server.setPrice("BTC-USD", 30000)
        try await Self.withAdapter(server) { adapter, _ in
            let funds = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctfunds", symbol: Self.btc, side: .buy, quantity: 0.01))
            }
            #expect(funds?.kind == .rejected)
            #expect(funds?.message == "coinbase: order ctfunds rejected: INSUFFICIENT_FUND: Insufficient balance in source account (PREVIEW_INSUFFICIENT_FUND)")
            server.failNext(.orderFailure(error: "INVALID_LIMIT_PRICE_POST_ONLY", message: "Limit price too high"))
            let scripted = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctpost", quantity: 0.001, price: 20000))
            }
            #expect(scripted?.kind == .rejected)
            #expect(scripted?.message.contains("INVALID_LIMIT_PRICE_POST_ONLY: Limit price too high") == true)
            #expect(server.orderCount == 0)
        }
    }

    @Test("bad keys fail prepare with .authenticationFailed (401) and no key text in the message")
    func badKeys() async throws {
        let other = P256.Signing.PrivateKey()
        // The venue knows the key name, but not this private key; then a key name it does not know.
        let server = Self.makeServer(keys: [Self.keyName: .p256(other.publicKey)])
        try await Self.withAdapter(server, prepare: false) { adapter, _ in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("401") == true)
            #expect(error?.message.contains(Self.keyName) == false)
            #expect(error?.message.contains("MHcCAQEEIKwf3Uox30cRWzRBOPoPOH5p0Gpb0Dt8zUKXUEM5fMkG") == false)
        }
        #expect(server.requests.last?.authFailure == "bad ES256 signature")
        try await Self.withAdapter(server, keyName: "organizations/x/apiKeys/unknown", prepare: false) { adapter, _ in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("organizations/x/apiKeys/unknown") == false)
        }
        #expect(server.requests.last?.authFailure == "unknown kid")
        let count = server.requests.count
        try await Self.withAdapter(server, secret: "not a key", prepare: false) { adapter, _ in
            let error = await Self.failure { () async throws(ExecutionError) in try await adapter.balances() }
            #expect(error?.kind == .authenticationFailed)
            #expect(error?.message.contains("not a key") == false)
        }
        #expect(server.requests.count == count)
    }

    @Test("the venue refuses a JWT naming another host, method or path, or out of its time window")
    func venueChecksTheJWT() async throws {
        let server = Self.makeServer()
        try await withLocalServer(router: server.router()) { baseURL in
            let client = VenueHTTPClient(httpClient: .shared, venue: "coinbase", baseURL: baseURL, configuration: VenueConfiguration())
            let signer = try #require(CoinbaseSigner(keyName: Self.keyName, secret: Self.secret))
            let host = CoinbaseHTTP.host(ofBaseURL: baseURL)
            let now = Int64(Date().timeIntervalSince1970)
            let cases: [(uri: String, now: Int64, status: Int)] = [
                ("GET api.coinbase.com/api/v3/brokerage/accounts", now, 401),
                ("POST \(host)/api/v3/brokerage/accounts", now, 401),
                ("GET \(host)/api/v3/brokerage/orders", now, 401),
                ("GET \(host)/api/v3/brokerage/accounts", now - 121, 401),
                ("GET \(host)/api/v3/brokerage/accounts", now + 60, 401),
                ("GET \(host)/api/v3/brokerage/accounts", now, 200),
            ]
            for item in cases {
                let request = VenueHTTPRequest(
                    method: .GET, pathAndQuery: "/api/v3/brokerage/accounts?limit=5",
                    headers: [("Authorization", "Bearer " + signer.token(uri: item.uri, now: item.now))])
                let response = try await client.send(request)
                #expect(response.status == item.status, "\(item.uri) at \(item.now - now)")
            }
            #expect(server.requests.map(\.authFailure) == ["uri", "uri", "uri", "expired or not yet valid", "expired or not yet valid", nil])
        }
    }

    @Test("an Ed25519 CDP key signs EdDSA JWTs the venue accepts")
    func ed25519Key() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let server = Self.makeServer(keys: [Self.keyName: .ed25519(key.publicKey)])
        try await Self.withAdapter(server, secret: (key.rawRepresentation + key.publicKey.rawRepresentation).base64EncodedString()) { adapter, _ in
            #expect(adapter.rules(for: Self.btc) != nil)
            #expect(server.requests.last?.claims["alg"] == "EdDSA")
            #expect(server.requests.allSatisfy { $0.authFailure == nil })
        }
    }

    @Test("HTTP 429 → .rateLimited with the venue's Retry-After")
    func rateLimit() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            server.failNext(.rateLimit(retryAfter: "0.2"))
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ctrate", quantity: 0.001, price: 20000))
            }
            #expect(error?.kind == .rateLimited)
            #expect(error?.retryAfter == 0.2)
            #expect(server.orderCount == 0)
        }
    }

    @Test("timeout, but the order is placed: .outcomeUnknown, then found by client order id; one POST")
    func timeoutButPlaced() async throws {
        let server = Self.makeServer()
        server.setPrice("BTC-USD", 30000)
        try await Self.withAdapter(server, timeout: 2) { adapter, _ in
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
            #expect(found.cumulativeFee == 1.8)
            #expect(server.requests(to: "POST /orders").count == 1)
            #expect(server.requests(to: "GET /orders/historical/batch").first?.query == ["product_ids": "BTC-USD", "limit": "250"])
        }
    }

    @Test("a 5xx after placing → .outcomeUnknown; the order is then found through the order list by client id, never re-posted")
    func serverErrorThenLookup() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            server.failNext(.httpStatus(503, takesEffect: true))
            let error = await Self.failure { () async throws(ExecutionError) in
                try await adapter.place(Self.limitBuy("ct5xx", quantity: 0.001, price: 20000))
            }
            #expect(error?.kind == .outcomeUnknown)
            for index in 0..<3 { _ = try await adapter.place(Self.limitBuy("ctother\(index)", quantity: 0.001, price: 20000)) }
            let found = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ct5xx"))
            #expect(found.status == .accepted)
            #expect(found.limitPrice == 20000)
            let answer1 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctmissing")
            #expect(answer1 == nil)
            #expect(server.requests(to: "POST /orders").count == 4)
        }
    }

    @Test("a limit order rests, fills partly, then fully: cumulative quantity, average, fee, holds")
    func limitPartialThenFull() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            let placed = try await adapter.place(Self.limitBuy("ctlimit1", quantity: 0.01, price: 29000))
            #expect(placed.status == .accepted)
            #expect(placed.filledQuantity == 0)
            #expect(placed.averageFillPrice == nil)
            let answer2 = try await adapter.balances()
            #expect(answer2.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9708.84, locked: 291.16))
            #expect(server.fill(clientOrderId: "ctlimit1", quantity: 0.004, price: 29000))
            let partial = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(partial.status == .partiallyFilled)
            #expect(partial.filledQuantity == 0.004)
            #expect(partial.averageFillPrice == 29000)
            #expect(partial.cumulativeFee == 0.464)
            #expect(server.fill(clientOrderId: "ctlimit1", quantity: 0.006, price: 28900))
            let full = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(full.status == .filled)
            #expect(full.filledQuantity == 0.01)
            #expect(full.averageFillPrice == 28940)
            #expect(full.cumulativeFee == 1.1576)
            let balances = try await adapter.balances()
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9709.4424, locked: 0))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.01, locked: 0))
            // Known ids are read directly, never through the list.
            #expect(server.requests(to: "GET /orders/historical/batch").isEmpty)
        }
    }

    @Test("cancel: batch_cancel by the order id; unknown client ids → .unknownOrder / nil")
    func cancelAndUnknown() async throws {
        let server = Self.makeServer()
        try await Self.withAdapter(server) { adapter, _ in
            let placed = try await adapter.place(Self.limitBuy("ctcancel1", quantity: 0.01, price: 29000))
            let cancelled = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctcancel1")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.clientOrderId == "ctcancel1")
            #expect(cancelled.reason == "User requested cancel")
            #expect(server.orderStatus(clientOrderId: "ctcancel1") == "CANCELLED")
            #expect(server.requests(to: "POST /orders/batch_cancel").first?.body == "{\"order_ids\":[\"\(placed.venueOrderId ?? "")\"]}")
            let answer3 = try await adapter.balances()
            #expect(answer3.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 10000, locked: 0))
            let again = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctcancel1") }
            #expect(again?.kind == .rejected)
            let unknown = await Self.failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctnothere") }
            #expect(unknown?.kind == .unknownOrder)
            #expect(server.requests(to: "POST /orders/batch_cancel").count == 2)
            let answer4 = try await adapter.order(symbol: Self.btc, clientOrderId: "ctnothere")
            #expect(answer4 == nil)
        }
    }

    @Test("open orders lists exactly the resting ones")
    func openOrders() async throws {
        let server = Self.makeServer(usd: 10000, btc: 0.5)
        server.setPrice("BTC-USD", 30000)
        try await Self.withAdapter(server) { adapter, _ in
            _ = try await adapter.place(Self.limitBuy("ctopen1", quantity: 0.01, price: 25000))
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctopen2", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.2, limitPrice: 40000))
            _ = try await adapter.place(VenueOrderRequest(clientOrderId: "ctmarket", symbol: Self.btc, side: .buy, quantity: 0.001))
            let open = try await adapter.openOrders(symbol: Self.btc)
            #expect(Set(open.map(\.clientOrderId)) == ["ctopen1", "ctopen2"])
            #expect(open.allSatisfy { $0.status == .accepted && $0.symbol == Self.btc && $0.type == .limit })
            #expect(open.first { $0.clientOrderId == "ctopen2" }?.side == .sell)
            #expect(server.requests(to: "GET /orders/historical/batch").last?.query == ["order_status": "OPEN", "product_ids": "BTC-USD", "limit": "250"])
            let answer5 = try await adapter.openOrders(symbol: nil)
            #expect(answer5.count == 2)
            let balances = try await adapter.balances()
            // USD: 10000 − 30.18 (0.001 at 30000 + 0.6 %) − 251 held (0.01 × 25000 × 1.004).
            #expect(balances.first { $0.asset == "USD" } == VenueBalance(asset: "USD", free: 9718.82, locked: 251))
            #expect(balances.first { $0.asset == "BTC" } == VenueBalance(asset: "BTC", free: 0.301, locked: 0.2))
        }
    }

    @Test("the local venue serves the Exchange candles the history downloader reads")
    func candles() async throws {
        let server = Self.makeServer()
        server.setCandles([[1_700_000_000, 90, 110, 100, 105, 1.5], [1_700_000_060, 104, 106, 105, 104.5, 2]], product: "BTC-USD")
        try await withLocalServer(router: server.router()) { baseURL in
            let client = VenueHTTPClient(httpClient: .shared, venue: "coinbase", baseURL: baseURL, configuration: VenueConfiguration())
            let response = try await client.send(VenueHTTPRequest(method: .GET, pathAndQuery: "/products/BTC-USD/candles?granularity=60"))
            #expect(response.status == 200)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[Double]])
            #expect(rows.map { $0[0] } == [1_700_000_060, 1_700_000_000])
            #expect(rows[0][4] == 104.5)
        }
    }
}
