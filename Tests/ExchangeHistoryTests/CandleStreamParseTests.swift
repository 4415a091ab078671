import ExchangeHistory
import Foundation
import Testing
import TradingCore

/// Each venue's documented kline/candle stream payloads, parsed to exact bars; only closed
/// candles come out.
@Suite("Candle streams: documented payloads")
struct CandleStreamParseTests {
    static func pair(_ base: String, _ quote: String) -> TradingSymbol { try! TradingSymbol(base: base, quote: quote) }

    static func parse(_ venue: any CandleStreamVenue, _ frames: [String], symbol: TradingSymbol, timeframe: Timeframe) -> [CandleStreamMessage] {
        var tracker = CandleCloseTracker()
        return frames.map { venue.parse($0, symbol: symbol, timeframe: timeframe, tracker: &tracker) }
    }

    // Binance spot docs, "Kline/Candlestick Streams" (with `x` as given, then `true`).
    static let binanceForming = #"{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}"#
    static let binanceClosed = binanceForming.replacingOccurrences(of: #""x":false"#, with: #""x":true"#)

    @Test("Binance: <symbol>@kline_<interval>, a bar only when k.x is true")
    func binance() {
        let venue = BinanceCandleStream()
        let symbol = Self.pair("BNB", "BTC")
        #expect(venue.path(symbol: symbol, timeframe: .oneMinute) == "/ws/bnbbtc@kline_1m")
        #expect(venue.url(symbol: symbol, timeframe: .oneMinute, sandbox: false, baseURL: nil) == "wss://stream.binance.com:9443/ws/bnbbtc@kline_1m")
        #expect(venue.url(symbol: symbol, timeframe: .oneMinute, sandbox: true, baseURL: nil) == "wss://stream.testnet.binance.vision/ws/bnbbtc@kline_1m")
        #expect(venue.url(symbol: symbol, timeframe: .oneMinute, sandbox: true, baseURL: "http://127.0.0.1:8123/") == "ws://127.0.0.1:8123/ws/bnbbtc@kline_1m")
        #expect(venue.subscribeMessages(symbol: symbol, timeframe: .oneMinute).isEmpty)
        let messages = Self.parse(venue, [Self.binanceForming, Self.binanceClosed, "{\"result\":null,\"id\":1}"], symbol: symbol, timeframe: .oneMinute)
        #expect(messages == [
            .closed([]),
            .closed([Bar(openTime: 1_672_515_780_000, open: 0.0010, high: 0.0025, low: 0.0015, close: 0.0020, volume: 1000)]),
            .ignored,
        ])
        // A kline of another interval is not this stream's.
        #expect(Self.parse(venue, [Self.binanceClosed], symbol: symbol, timeframe: .fiveMinutes) == [.closed([])])
    }

    // Bybit v5 docs, "Kline" (public): the push example, and the same with `confirm: true`.
    static let bybitForming = #"{"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"}"#
    static let bybitClosed = bybitForming.replacingOccurrences(of: #""confirm":false"#, with: #""confirm":true"#)

    @Test("Bybit: kline.<interval>.<symbol>, a bar only when confirm is true; subscribe answers")
    func bybit() {
        let venue = BybitCandleStream()
        let symbol = Self.pair("BTC", "USDT")
        #expect(venue.url(symbol: symbol, timeframe: .fiveMinutes, sandbox: false, baseURL: nil) == "wss://stream.bybit.com/v5/public/spot")
        #expect(venue.url(symbol: symbol, timeframe: .fiveMinutes, sandbox: true, baseURL: nil) == "wss://stream-testnet.bybit.com/v5/public/spot")
        #expect(venue.subscribeMessages(symbol: symbol, timeframe: .fiveMinutes) == [#"{"op":"subscribe","args":["kline.5.BTCUSDT"],"req_id":"ct-candles"}"#])
        let messages = Self.parse(venue, [
            #"{"success":true,"ret_msg":"","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"ct-candles","op":"subscribe"}"#,
            Self.bybitForming, Self.bybitClosed, #"{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}"#,
            #"{"success":false,"ret_msg":"error:handler not found","conn_id":"x","op":"subscribe"}"#,
        ], symbol: symbol, timeframe: .fiveMinutes)
        #expect(messages == [
            .subscribed, .closed([]),
            .closed([Bar(openTime: 1_672_324_800_000, open: 16649.5, high: 16677, low: 16608, close: 16677, volume: 2.081)]),
            .ignored, .refused("error:handler not found"),
        ])
    }

    // OKX v5 docs, "Candlesticks channel" (business): push data `[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]`.
    static let okxForming = #"{"arg":{"channel":"candle1D","instId":"BTC-USDT"},"data":[["1597026383085","8533.02","8553.74","8527.17","8548.26","45247","529.5858061","529.5858061","0"]]}"#

    @Test("OKX: candle<bar> on the business endpoint, a bar only when confirm is \"1\"")
    func okx() {
        let venue = OKXCandleStream()
        let symbol = Self.pair("BTC", "USDT")
        #expect(venue.url(symbol: symbol, timeframe: .oneMinute, sandbox: false, baseURL: nil) == "wss://ws.okx.com:8443/ws/v5/business")
        #expect(venue.channel(for: .oneHour) == "candle1H")
        #expect(venue.channel(for: .oneDay) == "candle1Dutc")
        #expect(venue.subscribeMessages(symbol: symbol, timeframe: .oneMinute) == [#"{"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]}"#])
        let forming = Self.okxForming.replacingOccurrences(of: "candle1D", with: "candle1m")
        let closed = forming.replacingOccurrences(of: #""529.5858061","0"]"#, with: #""529.5858061","1"]"#)
        let messages = Self.parse(venue, [
            #"{"event":"subscribe","arg":{"channel":"candle1m","instId":"BTC-USDT"},"connId":"a4d3ae55"}"#,
            forming, closed, "pong", Self.okxForming,
            #"{"event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\"}","connId":"a4d3ae55"}"#,
        ], symbol: symbol, timeframe: .oneMinute)
        #expect(messages == [
            .subscribed, .closed([]),
            .closed([Bar(openTime: 1_597_026_383_085, open: 8533.02, high: 8553.74, low: 8527.17, close: 8548.26, volume: 45247)]),
            .ignored, .ignored,
            .refused(#"Invalid request: {"op": "subscribe"} (code 60012)"#),
        ])
    }

    // Kraken spot WebSocket v2 docs, "Candles (OHLC)": the snapshot example.
    static let krakenSnapshot = #"{"channel":"ohlc","type":"snapshot","timestamp":"2023-10-04T16:26:01.806315597Z","data":[{"symbol":"ALGO/USD","open":0.09875,"high":0.09875,"low":0.09875,"close":0.09875,"trades":1,"volume":201.86015,"vwap":0.09875,"interval_begin":"2023-10-04T15:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T15:30:00.000000Z"},{"symbol":"ALGO/USD","open":0.09875,"high":0.0988,"low":0.09875,"close":0.09875,"trades":13,"volume":16255.46368,"vwap":0.09879,"interval_begin":"2023-10-04T15:30:00.000000000Z","interval":5,"timestamp":"2023-10-04T15:35:00.000000Z"}]}"#
    static func krakenUpdate(begin: String, close: Double, volume: Double) -> String {
        #"{"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"ALGO/USD","open":0.09875,"high":0.0988,"low":0.09875,"close":\#(close),"trades":14,"volume":\#(volume),"vwap":0.09879,"interval_begin":"\#(begin)","interval":5,"timestamp":"2023-10-04T16:26:30.524Z"}]}"#
    }

    @Test("Kraken: v2 ohlc has no closed flag, a candle closes when a later interval_begin arrives")
    func kraken() {
        let venue = KrakenCandleStream()
        let symbol = Self.pair("ALGO", "USD")
        #expect(venue.url(symbol: symbol, timeframe: .fiveMinutes, sandbox: false, baseURL: nil) == "wss://ws.kraken.com/v2")
        #expect(venue.subscribeMessages(symbol: Self.pair("BTC", "USD"), timeframe: .fiveMinutes)
            == [#"{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":5,"snapshot":true},"req_id":1}"#])
        let messages = Self.parse(venue, [
            #"{"method":"subscribe","result":{"channel":"ohlc","interval":5,"snapshot":true,"symbol":"ALGO/USD"},"success":true,"time_in":"2023-10-04T16:26:01.799Z","time_out":"2023-10-04T16:26:01.801Z","req_id":1}"#,
            Self.krakenSnapshot,
            // The forming 15:30 candle moves, then 15:35 opens: 15:30 is closed as last seen.
            Self.krakenUpdate(begin: "2023-10-04T15:30:00.000000000Z", close: 0.0988, volume: 16300.5),
            #"{"channel":"heartbeat"}"#,
            Self.krakenUpdate(begin: "2023-10-04T15:35:00.000000000Z", close: 0.0987, volume: 12.5),
            #"{"method":"subscribe","success":false,"error":"Currency pair not supported ALGO/USDX","time_in":"x","time_out":"y"}"#,
        ], symbol: symbol, timeframe: .fiveMinutes)
        #expect(messages == [
            .subscribed,
            .closed([Bar(openTime: 1_696_433_100_000, open: 0.09875, high: 0.09875, low: 0.09875, close: 0.09875, volume: 201.86015)]),
            .closed([]),
            .ignored,
            .closed([Bar(openTime: 1_696_433_400_000, open: 0.09875, high: 0.0988, low: 0.09875, close: 0.0988, volume: 16300.5)]),
            .refused("Currency pair not supported ALGO/USDX"),
        ])
    }

    // Coinbase Advanced Trade docs, "Candles channel" (five-minute buckets).
    static let coinbaseSnapshot = #"{"channel":"candles","client_id":"","timestamp":"2023-06-09T20:19:35.39625135Z","sequence_num":0,"events":[{"type":"snapshot","candles":[{"start":"1688998200","high":"1867.72","low":"1865.63","open":"1867.38","close":"1866.81","volume":"0.20269406","product_id":"ETH-USD"}]}]}"#
    static func coinbaseUpdate(start: String, close: String) -> String {
        #"{"channel":"candles","client_id":"","timestamp":"2023-06-09T20:24:01.1Z","sequence_num":3,"events":[{"type":"update","candles":[{"start":"\#(start)","high":"1868.1","low":"1865.63","open":"1867.38","close":"\#(close)","volume":"0.5","product_id":"ETH-USD"}]}]}"#
    }

    @Test("Coinbase: candles channel (5 m only), closed when a later start arrives; other timeframes have no stream")
    func coinbase() {
        let venue = CoinbaseCandleStream()
        let symbol = Self.pair("ETH", "USD")
        #expect(venue.supports(.fiveMinutes))
        #expect(!venue.supports(.oneMinute))
        #expect(!venue.supports(.oneHour))
        #expect(venue.url(symbol: symbol, timeframe: .fiveMinutes, sandbox: true, baseURL: nil) == "wss://advanced-trade-ws.coinbase.com")
        #expect(venue.subscribeMessages(symbol: symbol, timeframe: .fiveMinutes) == [
            #"{"type":"subscribe","product_ids":["ETH-USD"],"channel":"candles"}"#,
            #"{"type":"subscribe","product_ids":["ETH-USD"],"channel":"heartbeats"}"#,
        ])
        let messages = Self.parse(venue, [
            #"{"channel":"subscriptions","client_id":"","timestamp":"2023-06-09T20:19:35Z","sequence_num":1,"events":[{"subscriptions":{"candles":["ETH-USD"]}}]}"#,
            Self.coinbaseSnapshot,
            Self.coinbaseUpdate(start: "1688998500", close: "1867.9"),
            #"{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":0,"events":[{"current_time":"2023-06-23 20:31:56","heartbeat_counter":"3049"}]}"#,
            #"{"type":"error","message":"failure to subscribe"}"#,
        ], symbol: symbol, timeframe: .fiveMinutes)
        #expect(messages == [
            .subscribed, .closed([]),
            .closed([Bar(openTime: 1_688_998_200_000, open: 1867.38, high: 1867.72, low: 1865.63, close: 1866.81, volume: 0.20269406)]),
            .ignored, .refused("failure to subscribe"),
        ])
    }

    @Test("backoff doubles from 0.5 s and is capped at 30 s; a working connection resets it")
    func backoff() {
        var backoff = StreamBackoff()
        let waits = (0..<10).map { _ in backoff.next() }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30), .seconds(30)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(500))
    }
}
