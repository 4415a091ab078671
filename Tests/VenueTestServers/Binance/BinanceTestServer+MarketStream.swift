import Hummingbird
import HummingbirdWebSocket
import Synchronization

/// The public kline streams of the Binance test server: `/ws/<symbol>@kline_<interval>` (raw
/// streams, as `wss://stream.binance.com:9443/ws/…`). Off by default, so runs that do not ask for
/// them poll REST as before.
///
/// A connection gets, at each period boundary of the server's clock, the closed kline of the
/// period that just ended (`"x":true`, the same values `GET /api/v3/klines` serves) followed by
/// the forming one (`"x":false`), in Binance's event shape.
final class BinanceTestMarketStreams: Sendable {
    private struct State {
        var enabled = false
        /// Bumped by a drop: connections of an older generation close at their next tick.
        var generation = 0
        var connections = 0
        var upgrades = 0
    }

    private let state = Mutex(State())

    var enabled: Bool { state.withLock { $0.enabled } }
    var generation: Int { state.withLock { $0.generation } }
    var upgrades: Int { state.withLock { $0.upgrades } }
    func setEnabled(_ enabled: Bool) { state.withLock { $0.enabled = enabled } }
    func drop() { state.withLock { $0.generation += 1 } }
    func opened() { state.withLock { $0.upgrades += 1 } }

    func shutDown() {
        state.withLock { state in
            state.enabled = false
            state.generation += 1
        }
    }
}

extension BinanceTestServer {
    /// Turns the kline streams on or off (off: upgrades are refused, as by an unreachable host).
    public func setMarketStream(enabled: Bool) { marketStreams.setEnabled(enabled) }

    /// Closes every kline stream connection (before it sends its next kline).
    public func dropMarketStreams() { marketStreams.drop() }

    /// How many kline stream connections were accepted so far.
    public var marketStreamConnections: Int { marketStreams.upgrades }

    func addMarketStreamRoute(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/ws/:stream", shouldUpgrade: { [marketStreams] _, _ in
            marketStreams.enabled ? .upgrade([:]) : .dontUpgrade
        }) { [self] _, outbound, context in
            guard let name = context.requestContext.parameters.get("stream") else { return }
            // `btcusdt@kline_1s`
            let parts = name.split(separator: "@")
            guard parts.count == 2, parts[1].hasPrefix("kline_"),
                let interval = BinanceTestKlines.intervals[String(parts[1].dropFirst(6))]
            else { return }
            let symbol = parts[0].uppercased()
            let generation = marketStreams.generation
            marketStreams.opened()
            while true {
                let now = self.now
                let boundary = (now / interval + 1) * interval
                try await Task.sleep(for: .milliseconds(boundary - now + 20))
                guard marketStreams.generation == generation else { return }
                for (openTime, closed) in [(boundary - interval, true), (boundary, false)] {
                    guard let row = klineRow(symbol: symbol, interval: interval, openTime: openTime) else { return }
                    try await outbound.writeTextMessage(Self.klineEvent(row, symbol: symbol, interval: String(parts[1].dropFirst(6)), closed: closed, eventTime: self.now))
                }
            }
        }
    }

    /// Binance's kline event for a REST row `[t, o, h, l, c, v, T, q, n, V, Q, B]`.
    static func klineEvent(_ row: BinanceTestJSON, symbol: String, interval: String, closed: Bool, eventTime: Int64) -> String {
        guard case .array(let f) = row, f.count >= 11 else { return "{}" }
        let k: BinanceTestJSON = .object([
            ("t", f[0]), ("T", f[6]), ("s", .string(symbol)), ("i", .string(interval)), ("f", .int(100)), ("L", .int(200)),
            ("o", f[1]), ("c", f[4]), ("h", f[2]), ("l", f[3]), ("v", f[5]), ("n", f[8]), ("x", .bool(closed)),
            ("q", f[7]), ("V", f[9]), ("Q", f[10]), ("B", .string("0")),
        ])
        return BinanceTestJSON.object([("e", .string("kline")), ("E", .int(eventTime)), ("s", .string(symbol)), ("k", k)]).text
    }
}
