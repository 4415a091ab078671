#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HummingbirdWSClient
import Logging
import Synchronization
import TradingCore

/// The Binance private order stream: a WebSocket API user-data subscription
/// (`userDataStream.subscribe.signature` on `ws-api/v3`; the listenKey endpoints are retired).
///
/// The subscription is signed like any WebSocket API request: `apiKey`, `recvWindow` and
/// `timestamp` sorted by name, `k=v&…`, HMAC-SHA256 hex. `executionReport` events become
/// ``VenueOrder``s; each fill's commission (`n`, in asset `N`) is added to the order's running
/// fee here, since the event carries only the last fill's. A dropped connection, a refused
/// subscription or an `eventStreamTerminated` event reconnects after a capped exponential
/// backoff (0.5 s doubling to 30 s; back to 0.5 s after a subscription succeeded).
final class BinanceWebSocket: Sendable {
    let url: String
    let updates: AsyncStream<VenueOrder>
    private let continuation: AsyncStream<VenueOrder>.Continuation
    private let apiKey: String
    private let signer: BinanceSigner
    private let receiveWindowMilliseconds: Int64
    private let venueTime: @Sendable () -> Int64
    private let resolveSymbol: @Sendable (String) -> TradingSymbol?
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let fees = Mutex<[String: Fee]>([:])
    private let logger: Logger

    static let initialBackoff: Duration = .milliseconds(500)
    static let maxBackoff: Duration = .seconds(30)

    /// One order's commissions so far, and the trades already counted (so a repeated event is
    /// not counted twice).
    struct Fee {
        var total: VenueDecimal
        var asset: String?
        var trades: Set<Int64>
    }

    init(
        url: String, apiKey: String, signer: BinanceSigner, receiveWindowMilliseconds: Int64,
        venueTime: @escaping @Sendable () -> Int64, resolveSymbol: @escaping @Sendable (String) -> TradingSymbol?
    ) {
        self.url = url
        self.apiKey = apiKey
        self.signer = signer
        self.receiveWindowMilliseconds = receiveWindowMilliseconds
        self.venueTime = venueTime
        self.resolveSymbol = resolveSymbol
        (updates, continuation) = AsyncStream<VenueOrder>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        var logger = Logger(label: "cracktrader.binance.stream")
        logger.logLevel = .info
        self.logger = logger
    }

    func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await run() }
        }
    }

    func stop() async {
        let running = task.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
        continuation.finish()
    }

    private func run() async {
        var backoff = Self.initialBackoff
        while !Task.isCancelled {
            let subscribed = Mutex(false)
            do {
                try await WebSocketClient.connect(url: url, logger: logger) { [self] inbound, outbound, _ in
                    try await outbound.writeTextMessage(subscribeMessage())
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        guard case .text(let text) = message else { continue }
                        switch handle(text) {
                        case .none:
                            continue
                        case .subscribed:
                            subscribed.withLock { $0 = true }
                        case .resubscribe(let why):
                            logger.info("binance stream: \(why); reconnecting")
                            // Returning from the handler closes the connection.
                            return
                        }
                    }
                }
            } catch {
                // Only the error's type: its text could carry the URL, never a key, but keep it short.
                // A cancellation is our own shutdown, not worth a line.
                if !Task.isCancelled { logger.info("binance stream: connection ended (\(type(of: error)))") }
            }
            if Task.isCancelled { break }
            if subscribed.withLock({ $0 }) { backoff = Self.initialBackoff }
            do { try await Task.sleep(for: backoff) } catch { break }
            backoff = min(backoff * 2, Self.maxBackoff)
        }
    }

    enum Action: Equatable {
        case none
        case subscribed
        case resubscribe(String)
    }

    /// The signed `userDataStream.subscribe.signature` request.
    func subscribeMessage() throws -> String {
        let timestamp = venueTime()
        let payload = BinanceSigner.webSocketPayload([
            "apiKey": apiKey, "recvWindow": String(receiveWindowMilliseconds), "timestamp": String(timestamp),
        ])
        let request = BinanceSubscribeRequest(
            id: "ct" + String(UInt64.random(in: 0...UInt64.max), radix: 16), method: "userDataStream.subscribe.signature",
            params: .init(apiKey: apiKey, recvWindow: receiveWindowMilliseconds, timestamp: timestamp, signature: signer.signature(payload: payload)))
        return String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
    }

    /// Reads one frame: a request's answer or a user-data event.
    func handle(_ text: String) -> Action {
        guard let frame = try? JSONDecoder().decode(BinanceWebSocketFrame.self, from: Data(text.utf8)) else { return .none }
        if let status = frame.status {
            if status == 200 { return .subscribed }
            let reason = frame.error.map { "code \($0.code)" } ?? "HTTP \(status)"
            return .resubscribe("subscription refused (\(reason))")
        }
        guard let event = frame.event else { return .none }
        if event.eventType == "eventStreamTerminated" { return .resubscribe("event stream terminated") }
        guard let name = event.symbol, let symbol = resolveSymbol(name),
            let (order, fillFee) = BinanceParse.order(event, symbol: symbol)
        else { return .none }
        var update = order
        let fee = fees.withLock { fees -> Fee? in
            var entry = fees[order.clientOrderId] ?? Fee(total: .zero, asset: nil, trades: [])
            if let fillFee, let trade = event.tradeId, !entry.trades.contains(trade) {
                entry.trades.insert(trade)
                entry.total = BinanceParse.add(entry.total, fillFee)
                entry.asset = entry.asset ?? event.commissionAsset
            }
            fees[order.clientOrderId] = order.status.isTerminal ? nil : entry
            return entry.trades.isEmpty ? nil : entry
        }
        update.cumulativeFee = fee?.total.doubleValue
        update.feeAsset = fee?.asset
        continuation.yield(update)
        return .none
    }
}
