#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import TradingCore

/// Coinbase Advanced Trade's private stream: the `user` channel on
/// `wss://advanced-trade-ws-user.coinbase.com`.
///
/// Each connection subscribes (within Coinbase's 5 s) to `user` — for the run's products — and
/// to `heartbeats` (Coinbase closes a channel silent for 60–90 s), one channel per message, each
/// with a **fresh JWT without a `uri` claim** (``CoinbaseSigner/token(uri:now:nonce:)`` with
/// `uri: nil`; the REST JWTs name a `uri`, WebSocket ones must not). A `subscriptions` ack naming
/// `user` counts as subscribed; `{"type":"error"}` (bad JWT) closes the connection and the stream
/// retries after its backoff (see ``VenuePrivateStream``).
///
/// Figures are cumulative; ``CoinbaseStreamParse`` delivers each rise once, so the snapshot that
/// opens every subscription never repeats a fill. Coinbase's sandbox has no WebSocket: sandbox runs
/// poll only (unless `baseURL` / `webSocketURL` name a server that has one, as the tests do).
final class CoinbaseWebSocket: VenueStreamSession {
    static let productionURL = "wss://advanced-trade-ws-user.coinbase.com"

    let signer: CoinbaseSigner
    /// The venue's clock, Unix seconds (the JWT's `nbf`).
    let now: @Sendable () -> Int64
    /// The product ids to subscribe (`BTC-USD`), read at each connect.
    let productIds: @Sendable () -> [String]
    private let parser = Mutex(CoinbaseStreamParse())
    private let stream = VenuePrivateStreamSlot(label: "coinbase-private-stream")

    init(signer: CoinbaseSigner, now: @escaping @Sendable () -> Int64, productIds: @escaping @Sendable () -> [String]) {
        self.signer = signer
        self.now = now
        self.productIds = productIds
    }

    /// The URL for this configuration: `webSocketURL`, else `baseURL` + `/`, else production; nil
    /// for the sandbox (it has no WebSocket).
    static func url(configuration: VenueConfiguration) -> String? {
        VenuePrivateStream.url(configuration: configuration, path: "/", production: productionURL, sandbox: nil)
    }

    /// Starts the stream on `url` (once) and answers its updates.
    func updates(url: String) -> AsyncStream<VenueOrder> {
        stream.updates(url: url, session: self)
    }

    func stop() async {
        await stream.stop()
    }

    /// A subscribe request for one channel, with its own JWT.
    func subscribeMessage(channel: String, productIds: [String], now: Int64) -> String {
        let products = productIds.isEmpty ? "" : #","product_ids":[\#(productIds.map(CoinbaseSigner.json).joined(separator: ","))]"#
        return #"{"type":"subscribe","channel":\#(CoinbaseSigner.json(channel))\#(products),"jwt":\#(CoinbaseSigner.json(signer.token(uri: nil, now: now)))}"#
    }

    // MARK: VenueStreamSession

    func openingMessages() async throws -> [String] {
        let products = productIds()
        let time = now()
        return [subscribeMessage(channel: "user", productIds: products, now: time), subscribeMessage(channel: "heartbeats", productIds: [], now: time)]
    }

    func receive(_ text: String) -> VenueStreamReaction {
        guard let frame = try? JSONDecoder().decode(CoinbaseStreamModels.Frame.self, from: Data(text.utf8)) else { return .none }
        if frame.type == "error" { return VenueStreamReaction(refused: true) }
        if frame.channel == "subscriptions" {
            let subscribed = (frame.events ?? []).contains { $0.subscriptions?["user"] != nil }
            return VenueStreamReaction(subscribed: subscribed)
        }
        return VenueStreamReaction(orders: parser.withLock { $0.apply(frame) })
    }
}
