#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Coinbase Advanced Trade payloads → orders, rules, balances and ``ExecutionError`` kinds.
enum CoinbaseParse {
    /// The decoded body of a 2xx answer, or the error its status stands for: 401/403 →
    /// `.authenticationFailed` (the message names the call, never the key); 404 → `.unknownOrder`
    /// (for order reads; products get `.rejected`); other 4xx → `.rejected` with Coinbase's
    /// `error`/`message`. 429 and 5xx never get here (the transport throws them).
    static func decode<Value: Decodable>(
        _ response: VenueHTTPResponse, as type: Value.Type, label: String, notFound: ExecutionError.Kind = .rejected
    ) throws(ExecutionError) -> Value {
        guard (200..<300).contains(response.status) else { throw error(response, label: label, notFound: notFound) }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(response.body))
        } catch {
            throw ExecutionError(.rejected, "coinbase: \(label): unreadable answer (\(Self.describe(error)))")
        }
    }

    static func error(_ response: VenueHTTPResponse, label: String, notFound: ExecutionError.Kind) -> ExecutionError {
        let body = try? JSONDecoder().decode(CoinbaseModels.ErrorBody.self, from: Data(response.body))
        let detail = [body?.error, body?.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        let suffix = detail.isEmpty ? "" : " (\(detail))"
        switch response.status {
        case 401:
            return ExecutionError(.authenticationFailed, "coinbase: \(label): HTTP 401, the API key or its JWT was refused\(suffix)")
        case 403:
            return ExecutionError(.authenticationFailed, "coinbase: \(label): HTTP 403, the API key lacks the permission\(suffix)")
        case 404:
            return ExecutionError(notFound, "coinbase: \(label): not found\(suffix)")
        default:
            return ExecutionError(.rejected, "coinbase: \(label): HTTP \(response.status)\(suffix)")
        }
    }

    /// The names of a failed `POST /orders` (`INSUFFICIENT_FUND: Insufficient balance… (PREVIEW_INSUFFICIENT_FUND)`).
    static func failureReason(_ response: CoinbaseModels.CreateOrderResponse) -> String {
        let error = response.errorResponse
        var text = [error?.error, error?.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        let extra = [error?.previewFailureReason, error?.newOrderFailureReason, error?.errorDetails]
            .compactMap { $0 }.filter { !$0.isEmpty && !$0.hasPrefix("UNKNOWN_") }
        if !extra.isEmpty { text += (text.isEmpty ? "" : " ") + "(\(extra.joined(separator: ", ")))" }
        if text.isEmpty { text = response.failureReason ?? "no reason given" }
        return text
    }

    /// The rules of `symbol` from its product.
    static func rules(for symbol: TradingSymbol, product: CoinbaseModels.Product) -> SymbolRules {
        let decimal = { (text: String?) -> VenueDecimal? in text.flatMap { VenueDecimal($0) }.flatMap { $0.isPositive ? $0 : nil } }
        return SymbolRules(
            symbol: symbol, venueSymbol: product.productId,
            stepSize: decimal(product.baseIncrement),
            tickSize: decimal(product.priceIncrement) ?? decimal(product.quoteIncrement),
            minQuantity: decimal(product.baseMinSize),
            maxQuantity: decimal(product.baseMaxSize),
            minNotional: decimal(product.quoteMinSize),
            maxNotional: decimal(product.quoteMaxSize),
            notionalAppliesToMarket: true)
    }

    /// An order. Fees are in the quote currency (Advanced Trade charges spot fees in quote).
    static func order(_ order: CoinbaseModels.Order, symbol: TradingSymbol) -> VenueOrder {
        let leg = order.orderConfiguration?.leg
        let filled = number(order.filledSize) ?? 0
        let quantity = number(leg?.baseSize) ?? filled
        let type: OrderType
        switch order.orderType?.uppercased() {
        case "LIMIT": type = .limit
        case "STOP_LIMIT": type = .stopLimit
        case "STOP": type = .stop
        case "MARKET": type = .market
        default:
            type = order.orderConfiguration?.stopLimitStopLimitGtc != nil ? .stopLimit
                : (order.orderConfiguration?.marketMarketIoc != nil ? .market : .limit)
        }
        let status: OrderStatus
        switch order.status {
        case "PENDING", "QUEUED", "UNKNOWN_ORDER_STATUS": status = .submitted
        case "OPEN", "CANCEL_QUEUED", "EDIT_QUEUED": status = filled > 0 ? .partiallyFilled : .accepted
        case "FILLED": status = .filled
        case "CANCELLED": status = .cancelled
        case "EXPIRED": status = .expired
        case "FAILED": status = .rejected
        default: status = .submitted
        }
        let average = number(order.averageFilledPrice).flatMap { $0 > 0 && filled > 0 ? $0 : nil }
        let reason = [order.rejectMessage, order.rejectReason, order.cancelMessage]
            .compactMap { $0 }.first { !$0.isEmpty && !$0.hasPrefix("UNKNOWN_") && $0 != "REJECT_REASON_UNSPECIFIED" }
        let updated = [order.lastFillTime, order.createdTime].compactMap { $0.flatMap(milliseconds(iso8601:)) }.max() ?? 0
        return VenueOrder(
            clientOrderId: order.clientOrderId ?? "", venueOrderId: order.orderId, symbol: symbol,
            side: order.side.uppercased() == "SELL" ? .sell : .buy, type: type, status: status, quantity: quantity,
            filledQuantity: filled, averageFillPrice: average, limitPrice: number(leg?.limitPrice), stopPrice: number(leg?.stopPrice),
            cumulativeFee: number(order.totalFees), feeAsset: symbol.quote, reason: reason, updatedAt: updated)
    }

    /// Balances by currency: free = `available_balance`, locked = `hold`.
    static func balances(_ accounts: [CoinbaseModels.Account]) -> [VenueBalance] {
        var merged: [String: VenueBalance] = [:]
        for account in accounts {
            let free = Double(account.availableBalance.value) ?? 0
            let locked = Double(account.hold?.value ?? "0") ?? 0
            let previous = merged[account.currency]
            merged[account.currency] = VenueBalance(
                asset: account.currency, free: (previous?.free ?? 0) + free, locked: (previous?.locked ?? 0) + locked)
        }
        return merged.values.sorted { $0.asset < $1.asset }
    }

    static func number(_ text: String?) -> Double? {
        text.flatMap { $0.isEmpty ? nil : Double($0) }
    }

    /// `2024-01-15T10:00:00.123456Z` (or with `+00:00`) → milliseconds since the epoch; nil when unreadable.
    static func milliseconds(iso8601 text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func int(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = int(0..<4), let month = int(5..<7), let day = int(8..<10), let hour = int(11..<13), let minute = int(14..<16),
              let second = int(17..<19) else { return nil }
        var index = 19
        var fraction = 0
        var digits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 3 {
                    fraction = fraction * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                }
                index += 1
            }
        }
        while digits < 3 {
            fraction *= 10
            digits += 1
        }
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), bytes.count >= index + 6,
           let hours = int(index + 1..<index + 3), let minutes = int(index + 4..<index + 6) {
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return seconds * 1000 + Int64(fraction)
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
