import AsyncHTTPClient
import Crypto
import Foundation
import Synchronization
import Testing
import TradingCore
import VenueTestServers
@testable import Execution

/// Coinbase's private stream (Advanced Trade WebSocket `user` channel): the subscribe messages
/// and their `uri`-less JWTs, documented payloads through the parser (cumulative figures, each
/// rise delivered once), then the adapter's stream against the local Coinbase venue.
@Suite("Coinbase private stream (user channel)")
struct CoinbaseStreamTests {
    static let btc = try! TradingSymbol(parsing: "BTC/USD")
    typealias Collector = KrakenStreamTests.Collector

    static func frame(_ text: String) throws -> CoinbaseStreamModels.Frame {
        try JSONDecoder().decode(CoinbaseStreamModels.Frame.self, from: Data(text.utf8))
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// A user-channel frame in the documented shape with one order.
    static func userFrame(
        type: String, status: String, cumulative: String, leaves: String, average: String, fees: String, sequence: Int,
        time: String = "2026-04-07T14:30:06.000000Z"
    ) -> String {
        #"{"channel":"user","client_id":"","timestamp":"\#(time)","sequence_num":\#(sequence),"events":[{"type":"\#(type)","orders":[{"order_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","client_order_id":"ct8-1","cumulative_quantity":"\#(cumulative)","leaves_quantity":"\#(leaves)","avg_price":"\#(average)","total_fees":"\#(fees)","status":"\#(status)","product_id":"BTC-USD","creation_time":"2026-04-07T14:29:55.123456Z","order_side":"BUY","order_type":"Limit","cancel_reason":"","reject_reason":"","total_value_after_fees":"68.90050000","contract_expiry_type":"UNKNOWN_CONTRACT_EXPIRY_TYPE","product_type":"SPOT","risk_managed_by":"UNKNOWN_RISK_MANAGEMENT_TYPE","time_in_force":"GOOD_UNTIL_CANCELLED","trigger_status":"INVALID_ORDER_TYPE"}]}]}"#
    }

    @Test("URL: advanced-trade-ws-user.coinbase.com by default, none in the sandbox (it has no WebSocket), baseURL + / for a local server")
    func urls() throws {
        #expect(CoinbaseWebSocket.url(configuration: VenueConfiguration()) == "wss://advanced-trade-ws-user.coinbase.com")
        #expect(CoinbaseWebSocket.url(configuration: VenueConfiguration(sandbox: true)) == nil)
        #expect(CoinbaseWebSocket.url(configuration: VenueConfiguration(sandbox: true, baseURL: "http://127.0.0.1:9")) == "ws://127.0.0.1:9/")
        #expect(CoinbaseWebSocket.url(configuration: VenueConfiguration(webSocketURL: "ws://127.0.0.1:7/x")) == "ws://127.0.0.1:7/x")
        let credentials = VenueCredentials(apiKey: CoinbaseAdapterTests.keyName, secret: CoinbaseAdapterTests.secret, password: nil)
        // Sandbox runs poll only; no keys, no stream.
        #expect(CoinbaseAdapter(configuration: VenueConfiguration(credentials: credentials, sandbox: true), httpClient: .shared).orderUpdates() == nil)
        #expect(CoinbaseAdapter(configuration: VenueConfiguration(), httpClient: .shared).orderUpdates() == nil)
    }

    @Test("subscribe: one channel per message, each with its own ES256 JWT: kid/sub the key name, iss cdp, 120 s, a nonce, no uri")
    func subscribeMessages() async throws {
        let signer = try #require(CoinbaseSigner(keyName: CoinbaseAdapterTests.keyName, secret: CoinbaseAdapterTests.secret))
        let session = CoinbaseWebSocket(signer: signer, now: { 1_775_572_206 }, productIds: { ["BTC-USD"] })
        let messages = try await session.openingMessages()
        #expect(messages.count == 2)
        var nonces: Set<String> = []
        for (message, channel) in zip(messages, ["user", "heartbeats"]) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])
            #expect(object["type"] as? String == "subscribe")
            #expect(object["channel"] as? String == channel)
            #expect((object["product_ids"] as? [String]) == (channel == "user" ? ["BTC-USD"] : nil))
            let jwt = try #require(object["jwt"] as? String)
            let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
            #expect(parts.count == 3)
            let headerData = try #require(Self.base64URL(parts[0]))
            let claimsData = try #require(Self.base64URL(parts[1]))
            let header = try #require(try JSONSerialization.jsonObject(with: headerData) as? [String: Any])
            let claims = try #require(try JSONSerialization.jsonObject(with: claimsData) as? [String: Any])
            #expect(header["alg"] as? String == "ES256")
            #expect(header["typ"] as? String == "JWT")
            #expect(header["kid"] as? String == CoinbaseAdapterTests.keyName)
            let nonce = try #require(header["nonce"] as? String)
            #expect(nonce.count == 64)
            nonces.insert(nonce)
            #expect(claims["sub"] as? String == CoinbaseAdapterTests.keyName)
            #expect(claims["iss"] as? String == "cdp")
            #expect((claims["nbf"] as? NSNumber)?.int64Value == 1_775_572_206)
            #expect((claims["exp"] as? NSNumber)?.int64Value == 1_775_572_326)
            #expect(claims["uri"] == nil)
            let signatureData = try #require(Self.base64URL(parts[2]))
            let signature = try P256.Signing.ECDSASignature(rawRepresentation: signatureData)
            #expect(CoinbaseAdapterTests.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)))
        }
        #expect(nonces.count == 2)
        // Without prepared products the user subscription names none (all products).
        let all = CoinbaseWebSocket(signer: signer, now: { 0 }, productIds: { [] })
        #expect(try await all.openingMessages()[0].contains("product_ids") == false)
    }

    @Test("acks and errors: a subscriptions frame naming user subscribes; an error frame refuses")
    func acks() throws {
        let signer = try #require(CoinbaseSigner(keyName: CoinbaseAdapterTests.keyName, secret: CoinbaseAdapterTests.secret))
        let session = CoinbaseWebSocket(signer: signer, now: { 0 }, productIds: { [] })
        #expect(session.receive(#"{"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:33:57.609931463Z","sequence_num":0,"events":[{"subscriptions":{"user":["BTC-USD"]}}]}"#).subscribed)
        #expect(!session.receive(#"{"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:33:57.609931463Z","sequence_num":1,"events":[{"subscriptions":{"heartbeats":["heartbeats"]}}]}"#).subscribed)
        #expect(session.receive(#"{"type":"error","message":"authentication failure"}"#).refused)
        let heartbeat = session.receive(#"{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":0,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3049}]}"#)
        #expect(heartbeat.orders.isEmpty && !heartbeat.refused)
    }

    @Test("documented payloads: snapshot OPEN, a partial fill then the rest, as cumulative figures delivered once each")
    func partialThenRest() throws {
        var parser = CoinbaseStreamParse()
        let open = try #require(parser.apply(try Self.frame(Self.userFrame(type: "snapshot", status: "OPEN", cumulative: "0", leaves: "0.001", average: "0", fees: "0", sequence: 1))).first)
        #expect(open.clientOrderId == "ct8-1")
        #expect(open.venueOrderId == "a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        #expect(open.symbol == Self.btc)
        #expect(open.side == .buy)
        #expect(open.type == .limit)
        #expect(open.status == .accepted)
        #expect(open.quantity == 0.001)
        #expect(open.filledQuantity == 0)
        #expect(open.averageFillPrice == nil)
        #expect(open.updatedAt == 1_775_572_206_000)

        let partial = try #require(parser.apply(try Self.frame(Self.userFrame(type: "update", status: "OPEN", cumulative: "0.0004", leaves: "0.0006", average: "68850", fees: "0.110160", sequence: 2))).first)
        #expect(partial.status == .partiallyFilled)
        #expect(partial.filledQuantity == 0.0004)
        #expect(partial.quantity == 0.001)
        #expect(partial.averageFillPrice == 68850)
        #expect(partial.cumulativeFee == 0.11016)
        #expect(partial.feeAsset == "USD")

        // The same figures again (a snapshot after a reconnect), and a stale one: nothing.
        #expect(parser.apply(try Self.frame(Self.userFrame(type: "snapshot", status: "OPEN", cumulative: "0.0004", leaves: "0.0006", average: "68850", fees: "0.110160", sequence: 1))).isEmpty)
        #expect(parser.apply(try Self.frame(Self.userFrame(type: "snapshot", status: "OPEN", cumulative: "0", leaves: "0.001", average: "0", fees: "0", sequence: 1))).isEmpty)

        let filled = try #require(parser.apply(try Self.frame(Self.userFrame(type: "update", status: "FILLED", cumulative: "0.001", leaves: "0", average: "68890", fees: "0.275560", sequence: 3))).first)
        #expect(filled.status == .filled)
        #expect(filled.filledQuantity == 0.001)
        #expect(filled.quantity == 0.001)
        #expect(filled.averageFillPrice == 68890)
        #expect(filled.cumulativeFee == 0.27556)
        #expect(parser.apply(try Self.frame(Self.userFrame(type: "update", status: "FILLED", cumulative: "0.001", leaves: "0", average: "68890", fees: "0.275560", sequence: 4))).isEmpty)
        #expect(KrakenStreamTests.fills([open, partial, filled]) == ["ct8-1": [0.0004, 0.0006]])
    }

    @Test("a cancel after a partial fill keeps the order's size (leaves drop to 0) and the fill; orders without a client id are skipped")
    func cancelAfterPartial() throws {
        var parser = CoinbaseStreamParse()
        _ = parser.apply(try Self.frame(Self.userFrame(type: "update", status: "OPEN", cumulative: "0.0004", leaves: "0.0006", average: "68850", fees: "0.11016", sequence: 1)))
        let cancelled = try #require(parser.apply(try Self.frame(Self.userFrame(type: "update", status: "CANCELLED", cumulative: "0.0004", leaves: "0", average: "68850", fees: "0.11016", sequence: 2))).first)
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.quantity == 0.001)
        #expect(cancelled.filledQuantity == 0.0004)
        // A terminal order stays terminal.
        #expect(parser.apply(try Self.frame(Self.userFrame(type: "snapshot", status: "OPEN", cumulative: "0.0004", leaves: "0.0006", average: "68850", fees: "0.11016", sequence: 3))).isEmpty)
        let anonymous = Self.userFrame(type: "update", status: "OPEN", cumulative: "0", leaves: "1", average: "0", fees: "0", sequence: 4)
            .replacingOccurrences(of: #""client_order_id":"ct8-1""#, with: #""client_order_id":"""#)
        var fresh = CoinbaseStreamParse()
        #expect(fresh.apply(try Self.frame(anonymous)).isEmpty)
    }

    // MARK: Against the local venue

    @Test("adapter stream: JWT-checked subscribe, partial then full fill, a cancel, a drop and a reconnect whose snapshot repeats nothing")
    func adapterStream() async throws {
        let server = CoinbaseAdapterTests.makeServer(usd: 10000)
        try await server.run { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: CoinbaseAdapterTests.keyName, secret: CoinbaseAdapterTests.secret, password: nil),
                sandbox: true, baseURL: baseURL)
            let adapter = CoinbaseAdapter(configuration: configuration, httpClient: .shared)
            try await adapter.prepare(symbols: [Self.btc])
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await KrakenStreamTests.waitUntil("the subscription") { server.userSubscribers == 1 }
            #expect(server.acceptedSubscriptions == 1)
            #expect(server.refusedSubscriptions == 0)
            let sent = server.streamFramesReceived
            #expect(sent.count == 2)
            #expect(sent.first?.contains(#""channel":"user""#) == true)
            #expect(sent.first?.contains(#""product_ids":["BTC-USD"]"#) == true)

            _ = try await adapter.place(CoinbaseAdapterTests.limitBuy("ct81", quantity: 0.01, price: 30000))
            #expect(server.fill(clientOrderId: "ct81", quantity: 0.004, price: 30000))
            try await KrakenStreamTests.waitUntil("the partial fill") { collector.orders.contains { $0.clientOrderId == "ct81" && $0.status == .partiallyFilled } }

            // Dropped: a new subscription with fresh JWTs; its snapshot names ct81 at 0.004 — nothing repeated.
            server.dropStreamConnections()
            try await KrakenStreamTests.waitUntil("the second subscription") { server.acceptedSubscriptions == 2 && server.userSubscribers == 1 }
            #expect(server.streamFramesReceived.count == 4)

            #expect(server.fill(clientOrderId: "ct81", quantity: 0.006, price: 29990))
            try await KrakenStreamTests.waitUntil("the full fill") { collector.orders.contains { $0.clientOrderId == "ct81" && $0.status == .filled } }
            _ = try await adapter.place(CoinbaseAdapterTests.limitBuy("ct82", quantity: 0.002, price: 25000))
            _ = try await adapter.cancel(symbol: Self.btc, clientOrderId: "ct82")
            try await KrakenStreamTests.waitUntil("the cancel") { collector.orders.contains { $0.clientOrderId == "ct82" && $0.status == .cancelled } }

            let updates = collector.orders
            #expect(updates.map(\.clientOrderId) == ["ct81", "ct81", "ct81", "ct82", "ct82"])
            #expect(updates.map(\.status) == [.accepted, .partiallyFilled, .filled, .accepted, .cancelled])
            #expect(updates.map(\.filledQuantity) == [0, 0.004, 0.01, 0, 0])
            #expect(updates.map(\.quantity) == [0.01, 0.01, 0.01, 0.002, 0.002])
            #expect(KrakenStreamTests.fills(updates) == ["ct81": [0.004, 0.006]])
            let last = try #require(updates.first { $0.status == .filled })
            #expect(last.averageFillPrice == 29994)
            #expect(last.cumulativeFee == 1.19976)  // maker 0.4 % of 299.94
            #expect(updates.allSatisfy { $0.symbol == Self.btc && $0.side == .buy && $0.type == .limit })
            await adapter.shutdown()
            _ = await task.value  // the stream finishes on shutdown
        }
    }

    @Test("a key the venue does not know: the JWT is refused, retried with backoff, never subscribed")
    func refusedJWT() async throws {
        let other = P256.Signing.PrivateKey()
        let server = CoinbaseAdapterTests.makeServer(keys: ["organizations/x/apiKeys/other": .p256(other.publicKey)])
        try await server.run { baseURL in
            let configuration = VenueConfiguration(
                credentials: VenueCredentials(apiKey: CoinbaseAdapterTests.keyName, secret: CoinbaseAdapterTests.secret, password: nil), baseURL: baseURL)
            let adapter = CoinbaseAdapter(configuration: configuration, httpClient: .shared)
            let collector = Collector()
            let task = collector.start(try #require(adapter.orderUpdates()))
            try await KrakenStreamTests.waitUntil("two refusals") { server.refusedSubscriptions >= 2 }
            #expect(server.acceptedSubscriptions == 0)
            #expect(server.userSubscribers == 0)
            await adapter.shutdown()
            _ = await task.value
            #expect(collector.orders.isEmpty)
        }
    }
}
