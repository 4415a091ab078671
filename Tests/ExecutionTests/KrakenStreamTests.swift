import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// Kraken's private stream (WebSocket v2 `executions`): documented payloads through the parser,
/// then the adapter's stream against the local Kraken venue (token from a signed
/// `GetWebSocketsToken`, partial and full fills, a cancel, a reconnect whose snapshot repeats no fill).
@Suite("Kraken private stream (WebSocket v2 executions)")
struct KrakenStreamTests {
    static let btc = try! TradingSymbol(parsing: "BTC/USD")

    static func frame(_ text: String) throws -> KrakenStreamModels.Frame {
        try JSONDecoder().decode(KrakenStreamModels.Frame.self, from: Data(text.utf8))
    }

    /// Kraken's documented "pending" example (docs.kraken.com websocket-v2/executions), with the
    /// `cl_ord_id` our orders carry.
    static let pendingNew = #"{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"ct7-1","symbol":"BTC/USD","order_qty":0.005,"cum_cost":0.0,"time_in_force":"GTC","exec_type":"pending_new","side":"buy","order_type":"limit","order_userref":0,"limit_price_type":"static","limit_price":26500.0,"stop_price":0.0,"order_status":"pending_new","fee_usd_equiv":0.0,"fee_ccy_pref":"fciq","timestamp":"2023-09-22T10:33:05.709950Z"}],"sequence":8}"#
    /// The documented "live order" example: only the order id and the status.
    static let live = #"{"channel":"executions","type":"update","data":[{"timestamp":"2023-09-22T10:33:05.709993Z","order_status":"new","exec_type":"new","order_userref":0,"order_id":"OK4GJX-KSTLS-7DZZO5"}],"sequence":9}"#

    static func trade(execId: String, quantity: Double, price: Double, fee: Double, status: String, sequence: Int) -> String {
        #"{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","order_userref":0,"exec_id":"\#(execId)","exec_type":"trade","trade_id":2046011,"symbol":"BTC/USD","side":"buy","last_qty":\#(quantity),"last_price":\#(price),"liquidity_ind":"m","cost":\#(quantity * price),"order_status":"\#(status)","order_type":"limit","timestamp":"2023-09-22T10:37:45.215440Z","fee_usd_equiv":\#(fee),"fees":[{"asset":"USD","qty":\#(fee)}]}],"sequence":\#(sequence)}"#
    }

    @Test("URL: ws-auth.kraken.com/v2 by default (no sandbox), baseURL + /v2 for a local server, webSocketURL as given")
    func urls() {
        #expect(KrakenWebSocket.url(configuration: VenueConfiguration()) == "wss://ws-auth.kraken.com/v2")
        #expect(KrakenWebSocket.url(configuration: VenueConfiguration(baseURL: "http://127.0.0.1:9/")) == "ws://127.0.0.1:9/v2")
        #expect(KrakenWebSocket.url(configuration: VenueConfiguration(baseURL: "https://mirror.example")) == "wss://mirror.example/v2")
        #expect(KrakenWebSocket.url(configuration: VenueConfiguration(webSocketURL: "ws://127.0.0.1:7/x")) == "ws://127.0.0.1:7/x")
        #expect(KrakenAdapter(configuration: VenueConfiguration(), httpClient: .shared).orderUpdates() == nil)  // no keys, no stream
    }

    @Test("the subscribe request carries the token; the documented ack subscribes, ESession:Invalid session refuses")
    func subscribeAndAck() {
        #expect(KrakenWebSocket.subscribeMessage(token: "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY")
            == #"{"method":"subscribe","params":{"channel":"executions","token":"G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY","snap_orders":true,"snap_trades":false}}"#)
        let session = KrakenWebSocket(token: { "unused" })
        let ack = session.receive(#"{"method":"subscribe","result":{"channel":"executions","maxratecount":125,"snap_orders":true,"snap_trades":true},"success":true,"time_in":"2023-10-16T13:18:35.303171Z","time_out":"2023-10-16T13:18:35.318297Z"}"#)
        #expect(ack.subscribed && !ack.refused && ack.orders.isEmpty)
        let refused = session.receive(#"{"error":"ESession:Invalid session","method":"subscribe","success":false,"time_in":"2023-10-16T13:18:35.303171Z","time_out":"2023-10-16T13:18:35.318297Z"}"#)
        #expect(refused.refused && !refused.subscribed)
        #expect(session.receive(#"{"channel":"heartbeat"}"#).orders.isEmpty)
        #expect(session.receive("not json").orders.isEmpty)
    }

    @Test("documented reports: pending_new, new, a partial trade then the rest; a replayed trade and a snapshot add nothing")
    func partialThenRest() throws {
        var parser = KrakenStreamParse()
        let pending = try #require(parser.apply(try Self.frame(Self.pendingNew)).first)
        #expect(pending.clientOrderId == "ct7-1")
        #expect(pending.venueOrderId == "OK4GJX-KSTLS-7DZZO5")
        #expect(pending.symbol == Self.btc)
        #expect(pending.side == .buy)
        #expect(pending.type == .limit)
        #expect(pending.status == .submitted)
        #expect(pending.quantity == 0.005)
        #expect(pending.limitPrice == 26500)
        #expect(pending.filledQuantity == 0)
        #expect(pending.cumulativeFee == nil)
        #expect(pending.updatedAt == 1_695_378_785_709)

        // `new` names only the order id: the rest comes from what the parser kept.
        let live = try #require(parser.apply(try Self.frame(Self.live)).first)
        #expect(live.clientOrderId == "ct7-1")
        #expect(live.status == .accepted)
        #expect(live.quantity == 0.005)

        let first = try #require(parser.apply(try Self.frame(Self.trade(execId: "TOLAIN-5WEBF-EKOJ5U", quantity: 0.002, price: 26500, fee: 0.0848, status: "partially_filled", sequence: 10))).first)
        #expect(first.status == .partiallyFilled)
        #expect(first.filledQuantity == 0.002)
        #expect(first.averageFillPrice == 26500)
        #expect(first.cumulativeFee == 0.0848)
        #expect(first.feeAsset == "USD")

        // The same trade again (a replay) and an open-order snapshot with the same totals: nothing.
        #expect(parser.apply(try Self.frame(Self.trade(execId: "TOLAIN-5WEBF-EKOJ5U", quantity: 0.002, price: 26500, fee: 0.0848, status: "partially_filled", sequence: 11))).isEmpty)
        let snapshot = #"{"channel":"executions","type":"snapshot","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"ct7-1","symbol":"BTC/USD","order_qty":0.005,"cum_qty":0.002,"cum_cost":53.0,"avg_price":26500.0,"time_in_force":"GTC","exec_type":"new","side":"buy","order_type":"limit","order_userref":0,"limit_price":26500.0,"order_status":"partially_filled","fee_usd_equiv":0.0848,"fees":[{"asset":"USD","qty":0.0848}],"timestamp":"2023-09-22T10:33:05.709950Z"}],"sequence":1}"#
        #expect(parser.apply(try Self.frame(snapshot)).isEmpty)

        let rest = try #require(parser.apply(try Self.frame(Self.trade(execId: "TQDBPS-6ZSSR-CLYS3V", quantity: 0.003, price: 26400, fee: 0.12672, status: "filled", sequence: 12))).first)
        #expect(rest.status == .filled)
        #expect(rest.filledQuantity == 0.005)
        #expect(abs(rest.averageFillPrice! - 26440) < 1e-9)  // (0.002 × 26500 + 0.003 × 26400) / 0.005
        #expect(abs(rest.cumulativeFee! - 0.21152) < 1e-12)
        // A late `filled` status report after the last trade says nothing new.
        #expect(parser.apply(try Self.frame(#"{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","exec_type":"filled","order_status":"filled","cum_qty":0.005,"timestamp":"2023-09-22T10:37:45.215441Z"}],"sequence":13}"#)).isEmpty)
    }

    @Test("the documented execution example: a market sell filled at once; an order without cl_ord_id is never delivered")
    func documentedExecution() throws {
        var parser = KrakenStreamParse()
        let example = #"{"channel":"executions","type":"update","data":[{"order_id":"O6SEXP-GUZUX-FGFRIN","order_userref":0,"exec_id":"TOLAIN-5WEBF-EKOJ5U","exec_type":"trade","trade_id":2046011,"symbol":"BTC/USD","side":"sell","last_qty":0.00025,"last_price":26631.1,"liquidity_ind":"t","cost":6.65778,"order_status":"filled","order_type":"market","timestamp":"2023-09-22T10:37:45.215440Z","fee_usd_equiv":0.01731,"fees":[{"asset":"USD","qty":0.01731}]}],"sequence":20}"#
        #expect(parser.apply(try Self.frame(example)).isEmpty)  // placed elsewhere: no cl_ord_id known

        var ours = KrakenStreamParse()
        let named = #"{"channel":"executions","type":"update","data":[{"order_id":"O6SEXP-GUZUX-FGFRIN","cl_ord_id":"ct7-2","symbol":"BTC/USD","order_qty":0.00025,"exec_type":"pending_new","side":"sell","order_type":"market","order_status":"pending_new","timestamp":"2023-09-22T10:37:45.200000Z"}],"sequence":19}"#
        #expect(ours.apply(try Self.frame(named)).map(\.status) == [.submitted])
        let filled = try #require(ours.apply(try Self.frame(example)).first)
        #expect(filled.clientOrderId == "ct7-2")
        #expect(filled.side == .sell)
        #expect(filled.type == .market)
        #expect(filled.status == .filled)
        #expect(filled.filledQuantity == 0.00025)
        #expect(abs(filled.averageFillPrice! - 26631.1) < 1e-9)
        #expect(filled.cumulativeFee == 0.01731)
        #expect(filled.updatedAt == 1_695_379_065_215)
    }

    @Test("a cancel after a partial fill: cancelled, the fill kept; XBT names map to BTC")
    func cancelAfterPartial() throws {
        var parser = KrakenStreamParse()
        _ = parser.apply(try Self.frame(Self.pendingNew))
        _ = parser.apply(try Self.frame(Self.trade(execId: "T1", quantity: 0.001, price: 26500, fee: 0.0424, status: "partially_filled", sequence: 10)))
        let cancel = #"{"channel":"executions","type":"update","data":[{"timestamp":"2023-09-22T10:40:00.000000Z","order_status":"canceled","exec_type":"canceled","cum_qty":0.001,"cum_cost":26.5,"fee_usd_equiv":0.0424,"avg_price":26500.0,"order_userref":0,"cancel_reason":"User requested","order_id":"OK4GJX-KSTLS-7DZZO5"}],"sequence":11}"#
        let cancelled = try #require(parser.apply(try Self.frame(cancel)).first)
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.filledQuantity == 0.001)
        #expect(cancelled.quantity == 0.005)
        #expect(cancelled.averageFillPrice == 26500)
        #expect(cancelled.reason == "User requested")
        // Nothing moves a cancelled order back.
        #expect(parser.apply(try Self.frame(Self.live)).isEmpty)
        #expect(KrakenStreamParse.symbol("XBT/USD") == Self.btc)
        #expect(KrakenStreamParse.symbol("BTC/USD") == Self.btc)
    }

    @Test("backoff: 0.5 s doubling, capped at 30 s")
    func backoff() {
        var wait: Duration = .milliseconds(500)
        var waits: [Duration] = [wait]
        for _ in 0..<8 {
            wait = VenuePrivateStream.nextBackoff(after: wait, limit: .seconds(30))
            waits.append(wait)
        }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
    }

    // MARK: Against the local venue

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

    /// The fills a run books from these updates: the rise of each order's filled quantity.
    static func fills(_ updates: [VenueOrder]) -> [String: [Double]] {
        var filled: [String: Double] = [:]
        var fills: [String: [Double]] = [:]
        for update in updates {
            let before = filled[update.clientOrderId] ?? 0
            if update.filledQuantity > before + 1e-12 {
                fills[update.clientOrderId, default: []].append(((update.filledQuantity - before) * 1e8).rounded() / 1e8)
                filled[update.clientOrderId] = update.filledQuantity
            }
        }
        return fills
    }

    @Test("adapter stream: signed GetWebSocketsToken, partial then full fill, a cancel, a drop and a reconnect whose snapshot repeats nothing")
    func adapterStream() async throws {
        let server = KrakenAdapterTests.makeServer(usd: 10000)
        try await server.run { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: KrakenAdapterTests.apiKey, secret: KrakenAdapterTests.secret, password: nil), baseURL: baseURL)
            let adapter = KrakenAdapter(configuration: configuration, httpClient: .shared)
            try await adapter.prepare(symbols: [Self.btc])
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await Self.waitUntil("the subscription") { server.executionSubscribers == 1 }
            // The token came from a signed private call the server verified.
            let tokenCalls = server.requests(to: "GetWebSocketsToken")
            #expect(tokenCalls.count == 1)
            #expect(tokenCalls.allSatisfy { $0.errors.isEmpty && $0.headers["api-key"] == KrakenAdapterTests.apiKey })
            #expect(server.acceptedSubscriptions == 1)
            #expect(server.refusedSubscriptions == 0)

            _ = try await adapter.place(KrakenAdapterTests.limitBuy("ct71", quantity: 0.01, price: 30000))
            #expect(server.fill(clientOrderId: "ct71", quantity: 0.004, price: 30000))
            try await Self.waitUntil("the partial fill") { collector.orders.contains { $0.clientOrderId == "ct71" && $0.status == .partiallyFilled } }

            // The venue drops the connection: a fresh token, a new subscription, and a snapshot
            // naming ct71 with cum_qty 0.004 — already delivered, so nothing is repeated.
            server.dropStreamConnections()
            try await Self.waitUntil("the second subscription") { server.acceptedSubscriptions == 2 && server.executionSubscribers == 1 }
            #expect(server.requests(to: "GetWebSocketsToken").count == 2)

            #expect(server.fill(clientOrderId: "ct71", quantity: 0.006, price: 29990))
            try await Self.waitUntil("the full fill") { collector.orders.contains { $0.clientOrderId == "ct71" && $0.status == .filled } }
            _ = try await adapter.place(KrakenAdapterTests.limitBuy("ct72", quantity: 0.002, price: 25000))
            _ = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct72")
            try await Self.waitUntil("the cancel") { collector.orders.contains { $0.clientOrderId == "ct72" && $0.status == .cancelled } }

            let updates = collector.orders
            #expect(updates.map(\.clientOrderId) == ["ct71", "ct71", "ct71", "ct71", "ct72", "ct72", "ct72"])
            #expect(updates.map(\.status) == [.submitted, .accepted, .partiallyFilled, .filled, .submitted, .accepted, .cancelled])
            #expect(updates.map(\.filledQuantity) == [0, 0, 0.004, 0.01, 0, 0, 0])
            #expect(Self.fills(updates) == ["ct71": [0.004, 0.006]])
            let last = try #require(updates.first { $0.status == .filled })
            #expect(abs(last.averageFillPrice! - 29994) < 1e-9)  // (0.004 × 30000 + 0.006 × 29990) / 0.01
            #expect(abs(last.cumulativeFee! - 0.479904) < 1e-9)  // maker 0.16 % of 299.94
            #expect(last.venueOrderId?.hasPrefix("O") == true)
            #expect(updates.allSatisfy { $0.symbol == Self.btc && $0.side == .buy && $0.type == .limit })
            await adapter.shutdown()
            _ = await task.value  // the stream finishes on shutdown
        }
    }

    @Test("a token the venue never issued: ESession:Invalid session, retried with backoff, never subscribed")
    func invalidToken() async throws {
        let server = KrakenAdapterTests.makeServer()
        try await server.run { baseURL in
            let session = KrakenWebSocket(token: { "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY" })
            let collector = Collector()
            let task = collector.start(session.updates(url: KrakenWebSocket.url(configuration: VenueConfiguration(baseURL: baseURL))))
            try await Self.waitUntil("two refusals") { server.refusedSubscriptions >= 2 }
            #expect(server.acceptedSubscriptions == 0)
            #expect(server.executionSubscribers == 0)
            await session.stop()
            _ = await task.value
            #expect(collector.orders.isEmpty)
        }
    }
}
