import AsyncHTTPClient
import ExchangeHistory
import Foundation
import Synchronization
import Testing
import TradingCore
import VenueTestServers

/// The live feed over real local WebSocket servers: each venue's stream end to end (subscribe,
/// documented payloads, a drop and the reconnect), and the fallback to REST polling and back.
@Suite("Live candles: streams with polling as the fallback")
struct LiveCandleFeedTests {
    static func pair(_ base: String, _ quote: String) -> TradingSymbol { try! TradingSymbol(base: base, quote: quote) }
    static let fastBackoff = StreamBackoff(initial: .milliseconds(50), maximum: .milliseconds(200))

    /// Waits (without a deadline assertion: the test's own time limit applies) until `done`.
    static func eventually(_ done: () -> Bool) async throws {
        for _ in 0..<2000 where !done() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(done())
    }

    /// One venue's stream through the feed: the subscription sent exactly; `first` frames give
    /// the first bar; the server drops the connection; the client reconnects and subscribes
    /// again; `second` frames (which may repeat the first bar) give the next bar.
    static func streamRoundTrip(
        venue: any CandleStreamVenue, path: String, symbol: TradingSymbol, timeframe: Timeframe, start: Int64,
        answer: @escaping @Sendable (String) -> [String], first: [String], second: [String], expected: [Bar]
    ) async throws {
        let server = CandleStreamTestServer(path: path, answer: answer)
        let subscriptions = venue.subscribeMessages(symbol: symbol, timeframe: timeframe)
        try await server.run { base in
            // REST is never asked: the clock is frozen at the first bar's open, so no deadline passes.
            let downloader = HistoryDownloader(httpClient: .shared, venue: VenueID(id: venue.id)!, baseURL: "http://127.0.0.1:9")
            let feed = LiveCandleFeed(
                downloader: downloader,
                stream: .init(venue: venue, url: venue.url(symbol: symbol, timeframe: timeframe, sandbox: false, baseURL: base), backoff: fastBackoff),
                symbol: symbol, timeframe: timeframe, settle: .seconds(3600), startTime: start, now: { start })
            let sources = Mutex<[LiveCandleFeed.Source]>([])
            let collector = Task {
                var bars: [Bar] = []
                for try await bar in feed {
                    bars.append(bar)
                    if bars.count == expected.count { break }
                }
                return bars
            }
            try await eventually { server.accepted == 1 && server.received.count == subscriptions.count }
            #expect(server.received == subscriptions)
            for frame in first { server.push(frame) }
            server.dropAll()
            try await eventually { server.accepted == 2 && server.received.count == 2 * subscriptions.count }
            #expect(server.received == subscriptions + subscriptions)
            for frame in second { server.push(frame) }
            let bars = try await collector.value
            #expect(bars == expected)
            _ = sources
        }
    }

    @Test("Binance kline stream over a real connection: closed klines only, reconnect after a drop, no duplicate")
    func binanceStream() async throws {
        let closed = CandleStreamParseTests.binanceClosed
        let next = closed.replacingOccurrences(of: #""t":1672515780000"#, with: #""t":1672515840000"#)
            .replacingOccurrences(of: #""c":"0.0020""#, with: #""c":"0.0021""#)
        try await Self.streamRoundTrip(
            venue: BinanceCandleStream(), path: "/ws/bnbbtc@kline_1m", symbol: Self.pair("BNB", "BTC"), timeframe: .oneMinute,
            start: 1_672_515_780_000, answer: { _ in [] },
            first: [CandleStreamParseTests.binanceForming, closed],
            second: [closed, next.replacingOccurrences(of: #""x":true"#, with: #""x":false"#), next],
            expected: [
                Bar(openTime: 1_672_515_780_000, open: 0.0010, high: 0.0025, low: 0.0015, close: 0.0020, volume: 1000),
                Bar(openTime: 1_672_515_840_000, open: 0.0010, high: 0.0025, low: 0.0015, close: 0.0021, volume: 1000),
            ])
    }

    @Test("Bybit kline stream over a real connection: subscribe, confirm only, reconnect and subscribe again")
    func bybitStream() async throws {
        let closed = CandleStreamParseTests.bybitClosed
        let next = closed.replacingOccurrences(of: #""start":1672324800000"#, with: #""start":1672325100000"#)
            .replacingOccurrences(of: #""volume":"2.081""#, with: #""volume":"3.5""#)
        try await Self.streamRoundTrip(
            venue: BybitCandleStream(), path: "/v5/public/spot", symbol: Self.pair("BTC", "USDT"), timeframe: .fiveMinutes,
            start: 1_672_324_800_000,
            answer: { text in text.contains(#""op":"subscribe""#) ? [#"{"success":true,"ret_msg":"","conn_id":"c1","req_id":"ct-candles","op":"subscribe"}"#] : [] },
            first: [CandleStreamParseTests.bybitForming, closed], second: [next],
            expected: [
                Bar(openTime: 1_672_324_800_000, open: 16649.5, high: 16677, low: 16608, close: 16677, volume: 2.081),
                Bar(openTime: 1_672_325_100_000, open: 16649.5, high: 16677, low: 16608, close: 16677, volume: 3.5),
            ])
    }

    @Test("OKX candle stream over a real connection (business endpoint): confirm \"1\" only, reconnect")
    func okxStream() async throws {
        func row(_ ts: String, close: String, confirm: String) -> String {
            #"{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["\#(ts)","8533.02","8553.74","8527.17","\#(close)","45247","529.5858061","529.5858061","\#(confirm)"]]}"#
        }
        try await Self.streamRoundTrip(
            venue: OKXCandleStream(), path: "/ws/v5/business", symbol: Self.pair("BTC", "USDT"), timeframe: .oneMinute,
            start: 1_597_026_360_000,
            answer: { _ in [#"{"event":"subscribe","arg":{"channel":"candle1m","instId":"BTC-USDT"},"connId":"a4d3ae55"}"#] },
            first: [row("1597026360000", close: "8540", confirm: "0"), row("1597026360000", close: "8548.26", confirm: "1")],
            second: [row("1597026420000", close: "8550.1", confirm: "1")],
            expected: [
                Bar(openTime: 1_597_026_360_000, open: 8533.02, high: 8553.74, low: 8527.17, close: 8548.26, volume: 45247),
                Bar(openTime: 1_597_026_420_000, open: 8533.02, high: 8553.74, low: 8527.17, close: 8550.1, volume: 45247),
            ])
    }

    @Test("Kraken v2 ohlc over a real connection: closed by the next interval, the snapshot repeated after a reconnect is not delivered twice")
    func krakenStream() async throws {
        try await Self.streamRoundTrip(
            venue: KrakenCandleStream(), path: "/v2", symbol: Self.pair("ALGO", "USD"), timeframe: .fiveMinutes,
            start: 1_696_433_100_000,
            answer: { _ in [#"{"method":"subscribe","result":{"channel":"ohlc","interval":5,"snapshot":true,"symbol":"ALGO/USD"},"success":true,"time_in":"a","time_out":"b","req_id":1}"#] },
            first: [CandleStreamParseTests.krakenSnapshot],
            second: [CandleStreamParseTests.krakenSnapshot, CandleStreamParseTests.krakenUpdate(begin: "2023-10-04T15:35:00.000000000Z", close: 0.0987, volume: 12.5)],
            expected: [
                Bar(openTime: 1_696_433_100_000, open: 0.09875, high: 0.09875, low: 0.09875, close: 0.09875, volume: 201.86015),
                Bar(openTime: 1_696_433_400_000, open: 0.09875, high: 0.0988, low: 0.09875, close: 0.09875, volume: 16255.46368),
            ])
    }

    @Test("Coinbase candles over a real connection (5 m): closed by the next bucket, reconnect")
    func coinbaseStream() async throws {
        try await Self.streamRoundTrip(
            venue: CoinbaseCandleStream(), path: "", symbol: Self.pair("ETH", "USD"), timeframe: .fiveMinutes,
            start: 1_688_998_200_000,
            answer: { text in text.contains(#""channel":"candles""#) ? [#"{"channel":"subscriptions","client_id":"","timestamp":"2023-06-09T20:19:35Z","sequence_num":1,"events":[{"subscriptions":{"candles":["ETH-USD"]}}]}"#] : [] },
            first: [CandleStreamParseTests.coinbaseSnapshot, CandleStreamParseTests.coinbaseUpdate(start: "1688998500", close: "1867.9")],
            second: [CandleStreamParseTests.coinbaseUpdate(start: "1688998500", close: "1868"), CandleStreamParseTests.coinbaseUpdate(start: "1688998800", close: "1869")],
            expected: [
                Bar(openTime: 1_688_998_200_000, open: 1867.38, high: 1867.72, low: 1865.63, close: 1866.81, volume: 0.20269406),
                Bar(openTime: 1_688_998_500_000, open: 1867.38, high: 1868.1, low: 1865.63, close: 1868, volume: 0.5),
            ])
    }

    @Test("the stream drops mid-run: REST polling takes over, the stream returns and takes over again; every bar once, none skipped, values exact")
    func fallbackAndBack() async throws {
        let venue = BinanceTestServer()
        venue.setMarketStream(enabled: true)
        let symbol = Self.pair("BTC", "USDT")
        try await venue.run { base in
            let downloader = HistoryDownloader(httpClient: .shared, venue: .binance, baseURL: base, retryPolicy: RetryPolicy(jitter: 0))
            let sources = Mutex<[LiveCandleFeed.Source]>([])
            let stream = BinanceCandleStream()
            let feed = LiveCandleFeed(
                downloader: downloader,
                stream: .init(venue: stream, url: stream.url(symbol: symbol, timeframe: .oneSecond, sandbox: false, baseURL: base), backoff: Self.fastBackoff),
                symbol: symbol, timeframe: .oneSecond, settle: .milliseconds(250), streamGrace: .milliseconds(600),
                retryInterval: .milliseconds(200), onSourceChange: { source in sources.withLock { $0.append(source) } })
            var bars: [Bar] = []
            var phases: [LiveCandleFeed.Source] = []
            let klinesBefore = venue.requests("GET", "/api/v3/klines").count
            // Driven by what the feed reports, not by a bar count, so a slow (loaded) machine
            // changes how many bars each phase lasts but not what is checked.
            var droppedAt: Int?
            var restoredAt: Int?
            for try await bar in feed {
                bars.append(bar)
                phases.append(sources.withLock { $0.last! })
                if droppedAt == nil, phases.last == .stream {
                    venue.setMarketStream(enabled: false)
                    venue.dropMarketStreams()
                    droppedAt = bars.count
                } else if let droppedAt, restoredAt == nil, bars.count >= droppedAt + 3 {
                    venue.setMarketStream(enabled: true)
                    restoredAt = bars.count
                } else if let restoredAt, bars.count > restoredAt, phases.last == .stream {
                    break
                }
                if bars.count == 40 { break }
            }
            // Consecutive seconds: nothing twice, nothing skipped.
            let first = try #require(bars.first).openTime
            #expect(bars.map(\.openTime) == (0..<bars.count).map { first + Int64($0) * 1000 })
            // Exactly the venue's candles (the stream and REST serve the same values).
            let rest = try await downloader.download(symbol: symbol, timeframe: .oneSecond, from: first, to: first + Int64(bars.count) * 1000)
            #expect(bars == rest)
            // Streamed, then polled while the stream was down, then streamed again.
            let dropped = try #require(droppedAt)
            let restored = try #require(restoredAt)
            #expect(phases[dropped..<restored].contains(.polling))
            #expect(phases.last == .stream)
            #expect(venue.requests("GET", "/api/v3/klines").count > klinesBefore)
            #expect(venue.marketStreamConnections >= 2)
        }
    }
}
