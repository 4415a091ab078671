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

/// The Binance spot adapter against `BinanceTestServer`, a local stateful venue that checks the
/// key header, the HMAC signature over the bytes received and the recvWindow like Binance.
@Suite("Binance spot adapter against the local Binance test server")
struct BinanceAdapterTests {
    static let btc = try! TradingSymbol(parsing: "BTC/USDT")
    static let eth = try! TradingSymbol(parsing: "ETH/USDT")

    /// Runs `body` with a server and an adapter pointed at it (prepared for BTC/USDT and ETH/USDT
    /// unless `prepare` is false), and shuts the adapter down afterwards.
    func withVenue(
        _ server: BinanceTestServer = BinanceTestServer(), secret: String = BinanceTestServer.defaultSecret,
        apiKey: String? = nil, timeout: Double = 5, prepare: Bool = true,
        _ body: @Sendable (BinanceTestServer, BinanceAdapter) async throws -> Void
    ) async throws {
        try await server.run { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: apiKey ?? server.apiKey, secret: secret, password: nil), baseURL: baseURL,
                enableRateLimit: false, requestTimeoutSeconds: timeout)
            let adapter = BinanceAdapter(configuration: configuration, httpClient: .shared)
            do {
                if prepare { try await adapter.prepare(symbols: [Self.btc, Self.eth]) }
                try await body(server, adapter)
            } catch {
                await adapter.shutdown()
                throw error
            }
            await adapter.shutdown()
        }
    }

    /// The `ExecutionError` `body` throws, or nil when it returns.
    func failure<T>(_ body: () async throws(ExecutionError) -> T) async -> ExecutionError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    static func decimal(_ text: String) -> VenueDecimal { VenueDecimal(text)! }

    /// A JSON number from `JSONSerialization`, as Int64.
    static func int(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    // MARK: Environments and catalog

    @Test("environments: production, Spot Testnet, and the baseURL / webSocketURL overrides")
    func environments() {
        let production = BinanceAdapter(configuration: VenueConfiguration(), httpClient: .shared)
        #expect(production.baseURL == "https://api.binance.com")
        #expect(production.webSocketURL == "wss://ws-api.binance.com:443/ws-api/v3")
        let sandbox = BinanceAdapter(configuration: VenueConfiguration(sandbox: true), httpClient: .shared)
        #expect(sandbox.baseURL == "https://testnet.binance.vision")
        #expect(sandbox.webSocketURL == "wss://ws-api.testnet.binance.vision/ws-api/v3")
        let local = BinanceAdapter(configuration: VenueConfiguration(sandbox: true, baseURL: "http://127.0.0.1:8123"), httpClient: .shared)
        #expect(local.baseURL == "http://127.0.0.1:8123")
        #expect(local.webSocketURL == "ws://127.0.0.1:8123/ws-api/v3")
        let explicit = BinanceAdapter(
            configuration: VenueConfiguration(baseURL: "http://127.0.0.1:1", webSocketURL: "ws://127.0.0.1:2"), httpClient: .shared)
        #expect(explicit.webSocketURL == "ws://127.0.0.1:2/ws-api/v3")
        #expect(VenueCatalog.exchanges.contains("binance"))
        #expect(VenueCatalog.hasSandbox("binance"))
        #expect(VenueCatalog.adapter(exchange: "binance", configuration: VenueConfiguration(), httpClient: .shared) is BinanceAdapter)
    }

    // MARK: prepare

    @Test("prepare syncs the clock, loads LOT_SIZE/PRICE_FILTER/NOTIONAL (and legacy MIN_NOTIONAL) exactly, and makes a signed call")
    func prepareLoadsRules() async throws {
        try await withVenue { server, adapter in
            let btc = try #require(adapter.rules(for: Self.btc))
            #expect(btc == SymbolRules(
                symbol: Self.btc, venueSymbol: "BTCUSDT", stepSize: Self.decimal("0.00001"), tickSize: Self.decimal("0.01"),
                minQuantity: Self.decimal("0.00001"), maxQuantity: Self.decimal("9000"), minNotional: Self.decimal("5"),
                maxNotional: Self.decimal("9000000"), notionalAppliesToMarket: true))
            let eth = try #require(adapter.rules(for: Self.eth))
            #expect(eth == SymbolRules(
                symbol: Self.eth, venueSymbol: "ETHUSDT", stepSize: Self.decimal("0.0001"), tickSize: Self.decimal("0.01"),
                minQuantity: Self.decimal("0.0001"), maxQuantity: Self.decimal("100000"), minNotional: Self.decimal("5"),
                maxNotional: nil, notionalAppliesToMarket: true))
            let paths = server.requests.map { "\($0.method) \($0.path)" }
            #expect(paths == ["GET /api/v3/time", "GET /api/v3/exchangeInfo", "GET /api/v3/account"])
            #expect(server.requests[1].rawQuery == "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D")
            let account = server.requests[2]
            #expect(account.apiKey == server.apiKey)
            #expect(account.parameterNames == ["omitZeroBalances", "recvWindow", "timestamp", "signature"])
            #expect(account.parameters["recvWindow"] == "5000")
        }
    }

    @Test("prepare of a symbol the venue does not list is rejected as an unknown symbol, naming it")
    func prepareUnknownSymbol() async throws {
        try await withVenue(prepare: false) { _, adapter in
            let doge = try TradingSymbol(parsing: "DOGE/EUR")
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc, doge]) })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("unknown symbol DOGE/EUR"))
            #expect(adapter.rules(for: Self.btc) == nil)
        }
    }

    @Test("a wrong secret fails prepare with authenticationFailed, and the error text has neither key nor secret")
    func badSecret() async throws {
        let wrongSecret = "wrongSecretWrongSecretWrongSecretWrongSecretWrongSecret0123456789"
        try await withVenue(secret: wrongSecret, prepare: false) { server, adapter in
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) })
            #expect(error.kind == .authenticationFailed)
            #expect(error.message.contains("-1022"))
            for secret in [server.apiKey, wrongSecret, BinanceTestServer.defaultSecret] {
                #expect(!error.message.contains(secret))
                #expect(!error.description.contains(secret))
            }
        }
    }

    /// An Ed25519 key as Binance's key generator writes it (PKCS#8 PEM), from a fixed seed.
    static func ed25519PEM(seed: [UInt8]) -> String {
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        return "-----BEGIN PRIVATE KEY-----\n" + Data(prefix + seed).base64EncodedString() + "\n-----END PRIVATE KEY-----\n"
    }

    @Test("an Ed25519 key (PKCS#8 PEM) signs REST and the WebSocket API subscription with base64 Ed25519 the venue verifies")
    func ed25519Key() async throws {
        let seed = (0..<32).map { UInt8(($0 * 7 + 3) % 256) }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let server = BinanceTestServer(ed25519PublicKey: key.publicKey)
        try await withVenue(server, secret: Self.ed25519PEM(seed: seed)) { server, adapter in
            // prepare made a signed GET (account); now a signed POST and the private stream.
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "cted1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 29000))
            #expect(order.clientOrderId == "cted1")
            #expect(order.status == .accepted)
            let post = try #require(server.requests("POST", "/api/v3/order").first)
            let signature = try #require(post.parameters["signature"])
            #expect(signature.count == 88 && signature.hasSuffix("=="))  // 64 bytes in base64
            // Sent percent-encoded: a raw '+', '/' or '=' never reaches the body.
            let rawSignature = try #require(post.rawBody.split(separator: "&").last { $0.hasPrefix("signature=") })
            #expect(!rawSignature.dropFirst("signature=".count).contains { "+/=".contains($0) })
            let updates = try #require(adapter.orderUpdates())
            let collector = Collector(updates)
            defer { collector.cancel() }
            #expect(await eventually { server.streamSubscriptionCount == 1 })
        }
        // The same venue refuses an HMAC signature made with the PEM text as a secret.
        let hmacOnly = BinanceSigner(hmacSecret: Self.ed25519PEM(seed: seed))
        #expect(hmacOnly.signature(payload: "a=1").count == 64)
    }

    @Test("a PEM secret that is not an Ed25519 key is refused locally with a clear reason, never sent as HMAC")
    func rsaPEMRefused() async throws {
        let rsaLike = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n"
        #expect(BinanceSigner.make(secret: rsaLike) == nil)
        try await withVenue(secret: rsaLike, prepare: false) { server, adapter in
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) })
            #expect(error.kind == .authenticationFailed)
            #expect(error.message == "binance: the secret is a PEM key that is not Ed25519 (use an HMAC or an Ed25519 API key)")
            #expect(server.requests("GET", "/api/v3/account").isEmpty)
        }
    }

    @Test("an unknown API key fails prepare with authenticationFailed (-2015), without echoing the key")
    func unknownKey() async throws {
        let wrongKey = "unknownKeyUnknownKeyUnknownKeyUnknownKeyUnknownKeyUnknownKey0123"
        try await withVenue(apiKey: wrongKey, prepare: false) { _, adapter in
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.prepare(symbols: [Self.btc]) })
            #expect(error.kind == .authenticationFailed)
            #expect(error.message.contains("-2015"))
            #expect(!error.description.contains(wrongKey))
        }
    }

    @Test("server clock 10 s ahead: the measured offset is applied and signed requests are accepted")
    func clockOffset() async throws {
        let server = BinanceTestServer()
        server.setClockSkew(milliseconds: 10_000)
        try await withVenue(server) { server, adapter in
            #expect((9_000...11_000).contains(adapter.clockOffsetMilliseconds))
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctskew1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            #expect(order.status == .filled)
            let sent = try #require(server.requests("POST", "/api/v3/order").first)
            let timestamp = try #require(sent.parameters["timestamp"].flatMap { Int64($0) })
            // Stamped with venue time, not the wall clock 10 s behind it.
            #expect(abs(timestamp - sent.receivedAt) < 1_000)
            #expect(server.requests("POST", "/api/v3/order").count == 1)
        }
    }

    @Test("-1021 after the venue clock jumps: the adapter re-syncs and resends once, and the order is placed once")
    func timestampResync() async throws {
        try await withVenue { server, adapter in
            server.setClockSkew(milliseconds: 20_000)
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctresync1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            #expect(order.status == .filled)
            let tail = server.requests.suffix(3).map { "\($0.method) \($0.path)" }
            #expect(tail == ["POST /api/v3/order", "GET /api/v3/time", "POST /api/v3/order"])
            let posts = server.requests("POST", "/api/v3/order")
            let first = try #require(Int64(posts[0].parameters["timestamp"] ?? ""))
            let second = try #require(Int64(posts[1].parameters["timestamp"] ?? ""))
            #expect(second - first > 15_000)
            #expect(server.balance("BTC").free == "1.000999")
        }
    }

    @Test("-1021 twice: one re-sync and one resend, then rejected with Binance's reason; nothing placed")
    func timestampRejectedTwice() async throws {
        try await withVenue { server, adapter in
            server.rejectTimestamps(next: 2)
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(
                    clientOrderId: "ctstale1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("Timestamp for this request is outside of the recvWindow."))
            #expect(error.message.contains("-1021"))
            let tail = server.requests.suffix(3).map { "\($0.method) \($0.path)" }
            #expect(tail == ["POST /api/v3/order", "GET /api/v3/time", "POST /api/v3/order"])
            #expect(try await adapter.order(symbol: Self.btc, clientOrderId: "ctstale1") == nil)
            #expect(server.balance("USDT").free == "10000")
        }
    }

    // MARK: place

    @Test("market buy fills: exact quantity, average price and fee; the wire request is Binance's")
    func marketBuy() async throws {
        try await withVenue { server, adapter in
            server.setPrice(30000.5)
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctmarket1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000.5))
            #expect(order.clientOrderId == "ctmarket1")
            #expect(order.venueOrderId == "1")
            #expect(order.status == .filled)
            #expect(order.type == .market)
            #expect(order.side == .buy)
            #expect(order.quantity == 0.001)
            #expect(order.filledQuantity == 0.001)
            #expect(order.averageFillPrice == 30000.5)
            #expect(order.cumulativeFee == 0.000001)
            #expect(order.feeAsset == "BTC")
            #expect(order.limitPrice == nil)
            let sent = try #require(server.requests("POST", "/api/v3/order").first)
            #expect(sent.rawQuery == "")
            #expect(sent.parameterNames == [
                "symbol", "side", "type", "quantity", "newClientOrderId", "newOrderRespType", "recvWindow", "timestamp", "signature",
            ])
            #expect(sent.parameters["symbol"] == "BTCUSDT")
            #expect(sent.parameters["side"] == "BUY")
            #expect(sent.parameters["type"] == "MARKET")
            #expect(sent.parameters["quantity"] == "0.001")
            #expect(sent.parameters["newClientOrderId"] == "ctmarket1")
            #expect(sent.parameters["newOrderRespType"] == "FULL")
            // The signature is HMAC-SHA256 hex of the body as sent, minus the signature itself.
            let payload = String(sent.rawBody[..<sent.rawBody.range(of: "&signature=")!.lowerBound])
            let mac = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(BinanceTestServer.defaultSecret.utf8)))
            #expect(sent.parameters["signature"] == mac.map { String(format: "%02x", $0) }.joined())
            // 30.0005 USDT spent; 0.001 BTC less the 0.1 % commission received.
            #expect(server.balance("USDT").free == "9969.9995")
            #expect(server.balance("BTC").free == "1.000999")
        }
    }

    @Test("market sell: the fee is charged in the quote asset")
    func marketSell() async throws {
        try await withVenue { server, adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctsell1", symbol: Self.btc, side: .sell, quantity: 0.01, referencePrice: 30000))
            #expect(order.status == .filled)
            #expect(order.averageFillPrice == 30000)
            #expect(order.cumulativeFee == 0.3)
            #expect(order.feeAsset == "USDT")
            #expect(server.balance("USDT").free == "10299.7")
            #expect(server.balance("BTC").free == "0.99")
        }
    }

    @Test("quantity is rounded down to the step and the price to the nearest tick, as sent on the wire")
    func roundingOnTheWire() async throws {
        try await withVenue { server, adapter in
            let order = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctround1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.0012345, limitPrice: 29999.996))
            #expect(order.status == .accepted)
            #expect(order.quantity == 0.00123)
            #expect(order.limitPrice == 30000)
            let sent = try #require(server.requests("POST", "/api/v3/order").first)
            #expect(sent.parameters["quantity"] == "0.00123")
            #expect(sent.parameters["price"] == "30000")
            #expect(sent.parameters["type"] == "LIMIT")
            #expect(sent.parameters["timeInForce"] == "GTC")
            #expect(sent.parameters["stopPrice"] == nil)
            // The resting buy holds 0.00123 × 30000 USDT.
            #expect(server.balance("USDT").locked == "36.9")
        }
    }

    @Test("stop-limit orders carry price, stopPrice and timeInForce; stop-market only stopPrice")
    func stopOrders() async throws {
        try await withVenue { server, adapter in
            let stopLimit = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctstop1", symbol: Self.btc, side: .sell, type: .stopLimit, quantity: 0.01, limitPrice: 28000.004,
                stopPrice: 28100.006, timeInForce: .ioc))
            #expect(stopLimit.type == .stopLimit)
            #expect(stopLimit.stopPrice == 28100.01)
            let stop = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctstop2", symbol: Self.btc, side: .sell, type: .stop, quantity: 0.01, stopPrice: 27000, referencePrice: 30000))
            #expect(stop.status == .accepted)
            let posts = server.requests("POST", "/api/v3/order")
            #expect(posts[0].parameters["type"] == "STOP_LOSS_LIMIT")
            #expect(posts[0].parameters["price"] == "28000")
            #expect(posts[0].parameters["stopPrice"] == "28100.01")
            #expect(posts[0].parameters["timeInForce"] == "IOC")
            #expect(posts[1].parameters["type"] == "STOP_LOSS")
            #expect(posts[1].parameters["stopPrice"] == "27000")
            #expect(posts[1].parameters["price"] == nil)
            #expect(posts[1].parameters["timeInForce"] == nil)
            let stored = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctstop2"))
            #expect(stored.type == .stop)
            #expect(stored.stopPrice == 27000)
        }
    }

    @Test("below minQty or minNotional the order is rejected locally and nothing is sent")
    func localRejection() async throws {
        let server = BinanceTestServer(markets: [
            BinanceTestServer.Market(symbol: "BTCUSDT", base: "BTC", quote: "USDT", price: "30000", minQty: "0.0001"),
            .ethusdt,
        ])
        try await withVenue(server) { server, adapter in
            let small = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctsmall1", symbol: Self.btc, side: .buy, quantity: 0.00005, referencePrice: 30000))
            })
            #expect(small.kind == .rejected)
            #expect(small.message.contains("quantity 0.00005 is below the minimum 0.0001"))
            let cheap = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctsmall2", symbol: Self.btc, side: .buy, quantity: 0.0001, referencePrice: 30000))
            })
            #expect(cheap.kind == .rejected)
            #expect(cheap.message.contains("notional 3 is below the minimum 5"))
            #expect(server.requests("POST", "/api/v3/order").isEmpty)
        }
    }

    @Test("insufficient balance: -2010 is rejected with Binance's message")
    func insufficientBalance() async throws {
        let server = BinanceTestServer(balances: ["USDT": 100, "BTC": 1])
        try await withVenue(server) { server, adapter in
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctpoor1", symbol: Self.btc, side: .buy, quantity: 0.01, referencePrice: 30000))
            })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("Account has insufficient balance for requested action."))
            #expect(error.message.contains("-2010"))
            #expect(server.requests("POST", "/api/v3/order").count == 1)
            #expect(server.balance("USDT").free == "100")
            #expect(try await adapter.order(symbol: Self.btc, clientOrderId: "ctpoor1") == nil)
        }
    }

    @Test("a filter the venue raised after prepare: -1013 Filter failure is rejected with the filter's name")
    func serverFilterFailure() async throws {
        try await withVenue { server, adapter in
            server.updateMarket("BTCUSDT") { $0.minNotional = "100" }
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctfilter1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("Filter failure: NOTIONAL"))
            #expect(error.message.contains("-1013"))
        }
    }

    @Test("a reused client order id: -2010 Duplicate order sent. is rejected, and the first order stands")
    func duplicateClientOrderId() async throws {
        try await withVenue { server, adapter in
            let request = VenueOrderRequest(clientOrderId: "ctdup1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 29000)
            _ = try await adapter.place(request)
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.place(request) })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("Duplicate order sent."))
            #expect(try await adapter.openOrders(symbol: Self.btc).count == 1)
        }
    }

    // MARK: Faults

    @Test("HTTP 429 with Retry-After: 1 is rateLimited(retryAfter: 1) and the next call waits it out")
    func rateLimited() async throws {
        try await withVenue { server, adapter in
            server.failNextPlace(.rateLimited(retryAfter: 1))
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctrate1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            })
            #expect(error.kind == .rateLimited)
            #expect(error.retryAfter == 1)
            let start = ContinuousClock.now
            let stored = try await adapter.order(symbol: Self.btc, clientOrderId: "ctrate1")
            let waited = ContinuousClock.now - start
            #expect(stored == nil)
            #expect(waited >= .milliseconds(900))
            #expect(waited < .seconds(30))  // it waits out the pause, then answers
        }
    }

    @Test("timeout but placed: outcomeUnknown after the request timeout, then the query finds it filled; one place was sent")
    func timeoutButPlaced() async throws {
        // The answer is held 6 s, past the adapter's 2 s timeout (generous: tests run in parallel).
        try await withVenue(BinanceTestServer(timeoutDelay: .seconds(6)), timeout: 2) { server, adapter in
            server.failNextPlace(.timeoutButPlaced)
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ctlate1", symbol: Self.btc, side: .buy, quantity: 0.002, referencePrice: 30000))
            })
            #expect(error.kind == .outcomeUnknown)
            let found = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlate1"))
            #expect(found.status == .filled)
            #expect(found.filledQuantity == 0.002)
            #expect(found.averageFillPrice == 30000)
            #expect(server.requests("POST", "/api/v3/order").count == 1)
        }
    }

    @Test("HTTP 500 on place is outcomeUnknown; the query then shows it was not placed")
    func serverError() async throws {
        try await withVenue { server, adapter in
            server.failNextPlace(.serverError)
            let error = try #require(await failure { () async throws(ExecutionError) in
                try await adapter.place(VenueOrderRequest(clientOrderId: "ct5xx1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            })
            #expect(error.kind == .outcomeUnknown)
            #expect(try await adapter.order(symbol: Self.btc, clientOrderId: "ct5xx1") == nil)
        }
    }

    // MARK: Orders

    @Test("a limit order rests, then a partial and a full fill show in order(...) with exact averages and balances")
    func limitPartialThenFull() async throws {
        try await withVenue { server, adapter in
            let placed = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctlimit1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.002, limitPrice: 29000))
            #expect(placed.status == .accepted)
            #expect(placed.filledQuantity == 0)
            #expect(placed.averageFillPrice == nil)
            #expect(server.balance("USDT") == ("9942", "58"))

            try server.fill(clientOrderId: "ctlimit1", quantity: 0.0005)
            let partial = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(partial.status == .partiallyFilled)
            #expect(partial.filledQuantity == 0.0005)
            #expect(partial.averageFillPrice == 29000)
            #expect(partial.quantity == 0.002)

            try server.fill(clientOrderId: "ctlimit1", quantity: 0.0015, price: 28990)
            let full = try #require(try await adapter.order(symbol: Self.btc, clientOrderId: "ctlimit1"))
            #expect(full.status == .filled)
            #expect(full.filledQuantity == 0.002)
            // (0.0005 × 29000 + 0.0015 × 28990) / 0.002
            #expect(full.averageFillPrice == 28992.5)
            #expect(full.venueOrderId == placed.venueOrderId)
            // 0.0015 × 10 USDT of price improvement comes back; nothing stays locked.
            #expect(server.balance("USDT") == ("9942.015", "0"))
            #expect(server.balance("BTC").free == "1.001998")
            #expect(try await adapter.openOrders(symbol: Self.btc).isEmpty)
        }
    }

    @Test("cancel answers the cancelled order under its own client id and releases the held balance")
    func cancel() async throws {
        try await withVenue { server, adapter in
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctcancel1", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.01, limitPrice: 31000))
            #expect(server.balance("BTC") == ("0.99", "0.01"))
            let cancelled = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctcancel1")
            #expect(cancelled.clientOrderId == "ctcancel1")
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.limitPrice == 31000)
            let sent = try #require(server.requests("DELETE", "/api/v3/order").first)
            #expect(sent.parameters["origClientOrderId"] == "ctcancel1")
            #expect(sent.parameters["symbol"] == "BTCUSDT")
            #expect(sent.rawBody == "")
            #expect(server.balance("BTC") == ("1", "0"))
            #expect(try await adapter.order(symbol: Self.btc, clientOrderId: "ctcancel1")?.status == .cancelled)
        }
    }

    @Test("unknown order: cancel is unknownOrder (-2011), query is nil (-2013)")
    func unknownOrder() async throws {
        try await withVenue { _, adapter in
            let error = try #require(await failure { () async throws(ExecutionError) in try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctnothing1") })
            #expect(error.kind == .unknownOrder)
            #expect(error.message.contains("Unknown order sent."))
            #expect(try await adapter.order(symbol: Self.btc, clientOrderId: "ctnothing1") == nil)
        }
    }

    @Test("open orders: per symbol and across symbols, each named BASE/QUOTE")
    func openOrders() async throws {
        let server = BinanceTestServer(balances: ["USDT": 10_000, "BTC": 1, "ETH": 2])
        try await withVenue(server) { _, adapter in
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctopen1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.001, limitPrice: 25000))
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctopen2", symbol: Self.eth, side: .sell, type: .limit, quantity: 0.5, limitPrice: 2500))
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctopen3", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            let btcOnly = try await adapter.openOrders(symbol: Self.btc)
            #expect(btcOnly.map(\.clientOrderId) == ["ctopen1"])
            let all = try await adapter.openOrders(symbol: nil)
            #expect(all.map(\.clientOrderId) == ["ctopen1", "ctopen2"])
            #expect(all.map(\.symbol) == [Self.btc, Self.eth])
            #expect(all[1].side == .sell)
            #expect(all[1].quantity == 0.5)
            #expect(all[1].limitPrice == 2500)
        }
    }

    @Test("balances: free and locked per asset, zero balances left out")
    func balances() async throws {
        let server = BinanceTestServer(balances: ["USDT": 10_000, "BTC": 1.5, "BNB": 0])
        try await withVenue(server) { _, adapter in
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctbal1", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.25, limitPrice: 40000))
            let balances = try await adapter.balances()
            #expect(balances == [VenueBalance(asset: "BTC", free: 1.25, locked: 0.25), VenueBalance(asset: "USDT", free: 10_000, locked: 0)])
        }
    }

    // MARK: Klines (market data for sandbox runs)

    @Test("klines: closed 1m candles in Binance's array format, honouring startTime, endTime and limit")
    func klines() async throws {
        let server = BinanceTestServer()
        try await server.run { baseURL in
            let start: Int64 = 1_704_067_200_000  // 2024-01-01T00:00Z
            func get(_ query: String) async throws -> (Int, [[Any]]) {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + "/api/v3/klines?" + query), timeout: .seconds(5))
                let body = try await response.body.collect(upTo: 1 << 20)
                let rows = (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [[Any]] ?? []
                return (Int(response.status.code), rows)
            }
            let (status, rows) = try await get("symbol=BTCUSDT&interval=1m&startTime=\(start)&endTime=\(start + 10 * 60_000 - 1)&limit=1000")
            #expect(status == 200)
            #expect(rows.count == 10)
            #expect(rows.map { Self.int($0[0]) } == (0..<10).map { start + $0 * 60_000 })
            let first = rows[0]
            #expect(first.count == 12)
            #expect(Self.int(first[6]) == start + 59_999)
            let open = try #require(Double(first[1] as? String ?? ""))
            let high = try #require(Double(first[2] as? String ?? ""))
            let low = try #require(Double(first[3] as? String ?? ""))
            let close = try #require(Double(first[4] as? String ?? ""))
            #expect(low <= min(open, close) && max(open, close) <= high)
            #expect(abs(open - 30000) <= 300)
            // The next candle opens where this one closed.
            #expect(Double(rows[1][1] as? String ?? "") == close)
            let (_, limited) = try await get("symbol=BTCUSDT&interval=1m&startTime=\(start + 1)&limit=3")
            #expect(limited.count == 3)
            #expect(Self.int(limited.first?[0]) == start + 60_000)
            // Without startTime: the latest closed candles; none is still open.
            let (_, latest) = try await get("symbol=BTCUSDT&interval=1m&limit=2")
            #expect(latest.count == 2)
            let lastClose = try #require(Self.int(latest.last?[6]))
            #expect(lastClose < server.now)
            #expect(server.now - lastClose <= 120_000)
            let (badStatus, _) = try await get("symbol=NOPEUSDT&interval=1m")
            #expect(badStatus == 400)
        }
    }

    // MARK: Private stream

    /// Collects a stream's orders on a background task.
    final class Collector: Sendable {
        final class Items: Sendable {
            let list = Mutex<[VenueOrder]>([])
        }
        private let items: Items
        private let task: Task<Void, Never>

        init(_ stream: AsyncStream<VenueOrder>) {
            let items = Items()
            self.items = items
            task = Task {
                for await order in stream { items.list.withLock { $0.append(order) } }
            }
        }

        var orders: [VenueOrder] { items.list.withLock { $0 } }

        func cancel() { task.cancel() }
    }

    /// Polls `condition` every 20 ms for up to `timeout`.
    func eventually(_ timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("stream: executionReports arrive as VenueOrders with accumulated fees; after a drop it reconnects and events continue")
    func stream() async throws {
        try await withVenue { server, adapter in
            let updates = try #require(adapter.orderUpdates())
            let collector = Collector(updates)
            defer { collector.cancel() }
            #expect(await eventually { server.streamSubscriptionCount == 1 })
            let subscribe = try #require(server.requests("WS", "userDataStream.subscribe.signature").first)
            #expect(subscribe.parameters["apiKey"] == server.apiKey)
            #expect(subscribe.parameters["recvWindow"] == "5000")

            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctws1", symbol: Self.btc, side: .buy, type: .limit, quantity: 0.002, limitPrice: 29000))
            try server.fill(clientOrderId: "ctws1", quantity: 0.0005)
            try server.fill(clientOrderId: "ctws1", quantity: 0.0015, price: 28990)
            #expect(await eventually { collector.orders.count >= 3 })
            let events = collector.orders.filter { $0.clientOrderId == "ctws1" }
            #expect(events.map(\.status) == [.accepted, .partiallyFilled, .filled])
            #expect(events.map(\.filledQuantity) == [0, 0.0005, 0.002])
            #expect(events[1].averageFillPrice == 29000)
            #expect(events[2].averageFillPrice == 28992.5)
            #expect(events[1].cumulativeFee == 0.0000005)
            #expect(events[2].cumulativeFee == 0.000002)
            #expect(events[2].feeAsset == "BTC")
            #expect(events[2].symbol == Self.btc)
            #expect(events[2].venueOrderId == "1")

            server.dropStreamConnections()
            #expect(await eventually { server.streamSubscriptionCount == 0 })
            #expect(await eventually { server.streamSubscriptionCount == 1 })
            #expect(server.requests("WS", "userDataStream.subscribe.signature").count == 2)
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctws2", symbol: Self.btc, side: .sell, type: .limit, quantity: 0.01, limitPrice: 31000))
            _ = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ctws2")
            #expect(await eventually { collector.orders.filter { $0.clientOrderId == "ctws2" }.count == 2 })
            #expect(collector.orders.filter { $0.clientOrderId == "ctws2" }.map(\.status) == [.accepted, .cancelled])
        }
    }

    @Test("stream: eventStreamTerminated makes the adapter subscribe again")
    func streamTerminated() async throws {
        try await withVenue { server, adapter in
            let collector = Collector(try #require(adapter.orderUpdates()))
            defer { collector.cancel() }
            #expect(await eventually { server.streamSubscriptionCount == 1 })
            server.terminateStreamSubscriptions()
            #expect(await eventually { server.requests("WS", "userDataStream.subscribe.signature").count == 2 })
            #expect(await eventually { server.streamSubscriptionCount == 1 })
            _ = try await adapter.place(VenueOrderRequest(
                clientOrderId: "ctterm1", symbol: Self.btc, side: .buy, quantity: 0.001, referencePrice: 30000))
            #expect(await eventually { collector.orders.contains { $0.clientOrderId == "ctterm1" && $0.status == .filled } })
            let filled = try #require(collector.orders.last { $0.clientOrderId == "ctterm1" })
            #expect(filled.cumulativeFee == 0.000001)
            #expect(filled.averageFillPrice == 30000)
        }
    }
}
