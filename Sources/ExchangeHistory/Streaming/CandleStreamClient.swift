#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HummingbirdWSClient
import Logging
import Synchronization
import TradingCore

/// One symbol's public candle stream on one venue: connects, subscribes, keeps the connection
/// alive with the venue's heartbeat, and leaves every closed candle in its inbox. A dropped
/// connection, a refused subscription or a failed connect reconnects after a capped exponential
/// backoff (``StreamBackoff``), reset once a subscription has worked.
final class CandleStreamClient: Sendable {
    let venue: any CandleStreamVenue
    let url: String
    let symbol: TradingSymbol
    let timeframe: Timeframe
    let inbox: CandleInbox
    let backoff: StreamBackoff
    let logger: Logger

    init(venue: any CandleStreamVenue, url: String, symbol: TradingSymbol, timeframe: Timeframe, inbox: CandleInbox, backoff: StreamBackoff, logger: Logger) {
        self.venue = venue
        self.url = url
        self.symbol = symbol
        self.timeframe = timeframe
        self.inbox = inbox
        self.backoff = backoff
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    func run() async {
        var backoff = self.backoff
        var quiet = Logger(label: "cracktrader.\(venue.id).candles.ws")
        quiet.logLevel = .critical
        while !Task.isCancelled {
            let live = CandleStreamFlag()
            do {
                try await WebSocketClient.connect(url: url, logger: quiet) { [self] inbound, outbound, _ in
                    for message in venue.subscribeMessages(symbol: symbol, timeframe: timeframe) {
                        try await outbound.writeTextMessage(message)
                    }
                    if venue.subscribedOnOpen {
                        live.set()
                        inbox.setConnected(true)
                    }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if let heartbeat = venue.heartbeat {
                            group.addTask {
                                while true {
                                    try await Task.sleep(for: heartbeat.interval)
                                    try await outbound.writeTextMessage(heartbeat.message)
                                }
                            }
                        }
                        group.addTask { [self] in
                            var tracker = CandleCloseTracker()
                            for try await message in inbound.messages(maxSize: 1 << 22) {
                                guard case .text(let text) = message else { continue }
                                switch venue.parse(text, symbol: symbol, timeframe: timeframe, tracker: &tracker) {
                                case .closed(let bars):
                                    inbox.push(bars)
                                case .subscribed:
                                    if !live.isSet {
                                        live.set()
                                        inbox.setConnected(true)
                                    }
                                case .refused(let reason):
                                    logger.info("\(venue.id) candle stream refused: \(reason)")
                                    return
                                case .ignored:
                                    continue
                                }
                            }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                if !Task.isCancelled { logger.debug("\(venue.id) candle stream: connection ended (\(type(of: error)))") }
            }
            inbox.setConnected(false)
            if Task.isCancelled { break }
            if live.isSet { backoff.reset() }
            do { try await Task.sleep(for: backoff.next()) } catch { break }
        }
    }
}

/// A flag set inside a connection's tasks and read after it ends.
final class CandleStreamFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
