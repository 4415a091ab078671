#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Binance spot payloads → ``SymbolRules``, ``VenueOrder``, ``VenueBalance`` and
/// ``ExecutionError``, in exact decimals.
///
/// Error codes ([errors.md]): `-2010` (insufficient balance, duplicate client id, …) and `-1013`
/// (filter failure) are refusals → `.rejected` with Binance's message; `-2011`/`-2013` →
/// `.unknownOrder`; `-2014`/`-2015`/`-1022`/`-1002` and HTTP 401 → `.authenticationFailed`;
/// `-1003`/`-1015`/`-1008` → `.rateLimited`; `-1000`/`-1001`/`-1006`/`-1007` mean the venue does
/// not know whether it executed → `.outcomeUnknown`. Venue messages are scrubbed of the key and
/// secret before they go into an error.
enum BinanceParse {
    // MARK: Errors

    static func errorBody(_ response: VenueHTTPResponse) -> BinanceErrorBody? {
        try? JSONDecoder().decode(BinanceErrorBody.self, from: Data(response.body))
    }

    /// The error for a non-2xx answer to `operation` (`place`, `cancel`, …).
    static func failure(_ response: VenueHTTPResponse, operation: String, secrets: [String]) -> ExecutionError {
        guard let body = errorBody(response) else {
            if response.status == 401 {
                return ExecutionError(.authenticationFailed, "binance: \(operation) refused the API key (HTTP 401)")
            }
            if response.status == 403 {
                return ExecutionError(.rejected, "binance: \(operation) refused by the web application firewall (HTTP 403)")
            }
            return ExecutionError(.rejected, "binance: \(operation) answered HTTP \(response.status)")
        }
        let message = scrub(body.msg, secrets: secrets)
        let text = "binance: \(operation): \(message) (code \(body.code))"
        switch body.code {
        case -2014, -2015, -1022, -1002:
            return ExecutionError(.authenticationFailed, "binance: \(operation): the venue refused the API key or signature: \(message) (code \(body.code))")
        case -2011, -2013:
            return ExecutionError(.unknownOrder, text)
        case -1003, -1015, -1008:
            let retry = response.header("Retry-After").flatMap { Double($0.filter { $0 != " " }) }
            return ExecutionError(.rateLimited, text, retryAfter: retry)
        case -1000, -1001, -1006, -1007:
            return ExecutionError(.outcomeUnknown, text + "; the outcome is unknown")
        case -1121:
            return ExecutionError(.rejected, "binance: \(operation): unknown symbol: \(message) (code \(body.code))")
        default:
            if response.status == 401 { return ExecutionError(.authenticationFailed, text) }
            return ExecutionError(.rejected, text)
        }
    }

    /// `text` with every occurrence of a credential replaced by `***`.
    static func scrub(_ text: String, secrets: [String]) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty { text = text.replacing(secret, with: "***") }
        return text
    }

    /// Decodes a 2xx answer; an unreadable one is `.outcomeUnknown` (the call may have acted).
    static func decode<T: Decodable>(_ type: T.Type, _ response: VenueHTTPResponse, operation: String) throws(ExecutionError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw ExecutionError(.outcomeUnknown, "binance: unreadable answer to \(operation) (\(T.self)); the outcome is unknown")
        }
    }

    // MARK: Symbol rules

    /// The rules of each requested symbol; `.rejected` naming a symbol the venue does not list
    /// or does not trade.
    static func rules(_ info: BinanceExchangeInfo, for symbols: [TradingSymbol]) throws(ExecutionError) -> [SymbolRules] {
        var result: [SymbolRules] = []
        for symbol in symbols {
            let name = BinanceHTTP.venueSymbol(symbol)
            guard let entry = info.symbols.first(where: { $0.symbol == name }) else {
                throw ExecutionError(.rejected, "binance: unknown symbol \(symbol) (\(name))")
            }
            if let status = entry.status, status != "TRADING" {
                throw ExecutionError(.rejected, "binance: \(symbol) is not trading (status \(status))")
            }
            result.append(try rules(entry, symbol: symbol))
        }
        return result
    }

    static func rules(_ entry: BinanceExchangeInfo.Symbol, symbol: TradingSymbol) throws(ExecutionError) -> SymbolRules {
        var rules = SymbolRules(symbol: symbol, venueSymbol: entry.symbol)
        let filters = entry.filters
        func value(_ text: String?, _ field: String) throws(ExecutionError) -> VenueDecimal? {
            guard let text else { return nil }
            guard let decimal = VenueDecimal(text) else {
                throw ExecutionError(.rejected, "binance: unreadable filter field \(field) for \(symbol)")
            }
            // Binance writes 0 for "no limit" (a 0 tick size or max quantity disables the check).
            return decimal.isPositive ? decimal : nil
        }
        if let lot = filters.first(where: { $0.filterType == "LOT_SIZE" }) {
            rules.stepSize = try value(lot.stepSize, "LOT_SIZE.stepSize")
            rules.minQuantity = try value(lot.minQty, "LOT_SIZE.minQty")
            rules.maxQuantity = try value(lot.maxQty, "LOT_SIZE.maxQty")
        }
        if let price = filters.first(where: { $0.filterType == "PRICE_FILTER" }) {
            rules.tickSize = try value(price.tickSize, "PRICE_FILTER.tickSize")
        }
        if let notional = filters.first(where: { $0.filterType == "NOTIONAL" }) {
            rules.minNotional = try value(notional.minNotional, "NOTIONAL.minNotional")
            rules.maxNotional = try value(notional.maxNotional, "NOTIONAL.maxNotional")
            rules.notionalAppliesToMarket = notional.applyMinToMarket ?? true
        } else if let legacy = filters.first(where: { $0.filterType == "MIN_NOTIONAL" }) {
            rules.minNotional = try value(legacy.minNotional, "MIN_NOTIONAL.minNotional")
            rules.notionalAppliesToMarket = legacy.applyToMarket ?? true
        }
        return rules
    }

    // MARK: Orders

    static func status(_ text: String?) -> OrderStatus {
        switch text {
        case "NEW", "PENDING_CANCEL": .accepted
        case "PARTIALLY_FILLED": .partiallyFilled
        case "FILLED": .filled
        case "CANCELED": .cancelled
        case "REJECTED": .rejected
        case "EXPIRED", "EXPIRED_IN_MATCH": .expired
        default: .submitted  // PENDING_NEW (order lists) and anything new
        }
    }

    static func orderType(_ text: String?) -> OrderType {
        switch text {
        case "LIMIT", "LIMIT_MAKER": .limit
        case "STOP_LOSS", "TAKE_PROFIT": .stop
        case "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT": .stopLimit
        default: .market
        }
    }

    static func side(_ text: String?) -> Side { text == "SELL" ? .sell : .buy }

    /// A REST order answer. A cancel's answer names the order in `origClientOrderId`.
    static func order(_ payload: BinanceOrderPayload, symbol: TradingSymbol) -> VenueOrder {
        let executed = decimal(payload.executedQty) ?? .zero
        let quote = decimal(payload.cummulativeQuoteQty)
        let price = decimal(payload.price).flatMap { $0.isPositive ? $0 : nil }
        let stop = decimal(payload.stopPrice).flatMap { $0.isPositive ? $0 : nil }
        var fee: VenueDecimal?
        var feeAsset: String?
        if let fills = payload.fills, let first = fills.first {
            // Fees are summed in the first fill's asset (a BNB-discount account can mix assets;
            // the others are not convertible here).
            feeAsset = first.commissionAsset
            fee = fills.filter { $0.commissionAsset == first.commissionAsset }
                .compactMap { VenueDecimal($0.commission) }.reduce(VenueDecimal.zero, add)
        }
        let status = status(payload.status)
        return VenueOrder(
            clientOrderId: payload.origClientOrderId ?? payload.clientOrderId,
            venueOrderId: String(payload.orderId),
            symbol: symbol,
            side: side(payload.side),
            type: orderType(payload.type),
            status: status,
            quantity: decimal(payload.origQty)?.doubleValue ?? 0,
            filledQuantity: executed.doubleValue,
            averageFillPrice: averagePrice(quote: quote, executed: executed),
            limitPrice: price?.doubleValue,
            stopPrice: stop?.doubleValue,
            cumulativeFee: fee?.doubleValue,
            feeAsset: feeAsset,
            reason: reason(status: payload.status, rejectReason: nil),
            updatedAt: payload.updateTime ?? payload.transactTime ?? payload.workingTime ?? payload.time ?? 0)
    }

    static func reason(status: String?, rejectReason: String?) -> String? {
        if let rejectReason, rejectReason != "NONE" { return "binance: \(rejectReason)" }
        switch status {
        case "REJECTED": return "binance: rejected"
        case "EXPIRED": return "binance: expired (time in force)"
        case "EXPIRED_IN_MATCH": return "binance: expired in match (self-trade prevention)"
        default: return nil
        }
    }

    /// `executionReport` → the order it describes, with this event's fill commission separately
    /// (the stream accumulates it per order). Nil for events that are not order updates.
    static func order(_ event: BinanceUserEvent, symbol: TradingSymbol) -> (order: VenueOrder, fillFee: VenueDecimal?)? {
        guard event.eventType == "executionReport", let client = event.clientOrderId else { return nil }
        // On a cancel `c` is the cancel request's own id and `C` the order's.
        let clientOrderId = (event.originalClientOrderId?.isEmpty == false) ? event.originalClientOrderId! : client
        let executed = decimal(event.cumulativeQuantity) ?? .zero
        let price = decimal(event.price).flatMap { $0.isPositive ? $0 : nil }
        let stop = decimal(event.stopPrice).flatMap { $0.isPositive ? $0 : nil }
        let fillFee = event.executionType == "TRADE" ? decimal(event.commission) : nil
        let order = VenueOrder(
            clientOrderId: clientOrderId,
            venueOrderId: event.orderId.map(String.init),
            symbol: symbol,
            side: side(event.side),
            type: orderType(event.orderType),
            status: status(event.orderStatus),
            quantity: decimal(event.quantity)?.doubleValue ?? 0,
            filledQuantity: executed.doubleValue,
            averageFillPrice: averagePrice(quote: decimal(event.cumulativeQuote), executed: executed),
            limitPrice: price?.doubleValue,
            stopPrice: stop?.doubleValue,
            cumulativeFee: nil,
            feeAsset: event.commissionAsset,
            reason: reason(status: event.orderStatus, rejectReason: event.rejectReason),
            updatedAt: event.transactionTime ?? event.eventTime ?? 0)
        return (order, fillFee)
    }

    // MARK: Balances

    static func balances(_ account: BinanceAccount) -> [VenueBalance] {
        account.balances.map {
            VenueBalance(asset: $0.asset, free: decimal($0.free)?.doubleValue ?? 0, locked: decimal($0.locked)?.doubleValue ?? 0)
        }
    }

    // MARK: Symbols

    /// Quote assets tried, longest first, for a venue symbol that was not prepared.
    static let knownQuotes = ["FDUSD", "USDT", "USDC", "TUSD", "BUSD", "EUR", "TRY", "BRL", "JPY", "BTC", "ETH", "BNB"]

    /// `BTCUSDT` → `BTC/USDT`: from the prepared rules first, then by a known quote suffix.
    static func symbol(_ venueSymbol: String, prepared: [String: TradingSymbol]) -> TradingSymbol? {
        if let known = prepared[venueSymbol] { return known }
        for quote in knownQuotes where venueSymbol.hasSuffix(quote) && venueSymbol.count > quote.count {
            if let symbol = try? TradingSymbol(base: String(venueSymbol.dropLast(quote.count)), quote: quote) { return symbol }
        }
        return nil
    }

    // MARK: Exact arithmetic

    static func decimal(_ text: String?) -> VenueDecimal? { text.flatMap { VenueDecimal($0) } }

    static func add(_ lhs: VenueDecimal, _ rhs: VenueDecimal) -> VenueDecimal {
        let scale = max(lhs.scale, rhs.scale)
        return VenueDecimal(mantissa: lhs.rescaled(to: scale) + rhs.rescaled(to: scale), scale: scale).normalized
    }

    /// `quote / executed`, exact to 12 decimals (rounded half up), so 30.0005 / 0.001 is 30000.5
    /// and not the binary-float 30000.499999999996. Nil before the first fill.
    static func averagePrice(quote: VenueDecimal?, executed: VenueDecimal) -> Double? {
        guard let quote, executed.isPositive else { return nil }
        let resultScale = 12
        // quote/executed = (mq / me) · 10^(se − sq); scaled by 10^resultScale.
        let exponent = resultScale + executed.scale - quote.scale
        var numerator = quote.mantissa
        var denominator = executed.mantissa
        if exponent >= 0 {
            for _ in 0..<exponent {
                let (next, overflow) = numerator.multipliedReportingOverflow(by: 10)
                if overflow { return quote.doubleValue / executed.doubleValue }
                numerator = next
            }
        } else {
            for _ in 0..<(-exponent) { denominator *= 10 }
        }
        var units = numerator / denominator
        if (numerator % denominator) * 2 >= denominator { units += 1 }
        return VenueDecimal(mantissa: units, scale: resultScale).normalized.doubleValue
    }
}
