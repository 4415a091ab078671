#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Bybit v5 payloads → `VenueOrder`, `SymbolRules`, balances; `retCode`s → `ExecutionError` kinds.
enum BybitParse {
    static let venue = "bybit"

    /// Decodes `body`; a payload that is not the expected JSON is an unknown outcome (the request
    /// may have been acted on).
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], label: String) throws(ExecutionError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw ExecutionError(.outcomeUnknown, "\(venue): unexpected answer to \(label)")
        }
    }

    /// The result of a successful answer, or the venue's error mapped to a kind.
    static func result<T: Decodable>(_ type: T.Type, _ response: VenueHTTPResponse, label: String) throws(ExecutionError) -> T {
        guard let status = try? JSONDecoder().decode(BybitModels.Status.self, from: Data(response.body)) else {
            switch response.status {
            case 401: throw ExecutionError(.authenticationFailed, "\(venue): the API key was refused (HTTP 401) on \(label)")
            // Bybit answers 403 "access too frequent" when the IP exceeds its limit (wait ≥ 10 minutes).
            case 403: throw ExecutionError(.rateLimited, "\(venue): access too frequent (HTTP 403) on \(label)", retryAfter: 600)
            default: throw ExecutionError(.outcomeUnknown, "\(venue): unexpected HTTP \(response.status) answer to \(label)")
            }
        }
        guard status.retCode == 0 else {
            throw error(code: status.retCode, message: status.retMsg ?? "", label: label)
        }
        return try decode(BybitModels.Envelope<T>.self, response.body, label: label).result
    }

    /// Codes: protocol-facts §2.2 and Bybit's error list.
    static func error(code: Int, message: String, label: String) -> ExecutionError {
        let text = "\(venue): \(message.isEmpty ? "error" : message) (retCode \(code)) on \(label)"
        switch code {
        case 10002, 10003, 10004, 10005, 10007, 10008, 10009, 10010, 33004:
            // Never Bybit's text: the 10004 message quotes the signed string, API key included.
            return ExecutionError(.authenticationFailed, "\(venue): \(authenticationReason(code)) (retCode \(code)) on \(label)")
        case 10006, 10018, 10429, 20003:
            return ExecutionError(.rateLimited, text, retryAfter: 1)
        case 170213, 110001, 170142:
            return ExecutionError(.unknownOrder, text)
        case 10016, 10019, 170007, 170146, 170147:
            // Internal error / service restarting / backend timeout: the order may exist.
            return ExecutionError(.outcomeUnknown, text)
        default:
            return ExecutionError(.rejected, text)
        }
    }

    static func authenticationReason(_ code: Int) -> String {
        switch code {
        case 10002: "the request timestamp is outside the receive window (check the clock)"
        case 10003: "the API key is invalid"
        case 10004: "the signature was refused (check the secret)"
        case 10005, 33004: "the API key lacks the permission or has expired"
        case 10010: "the request IP is not bound to the API key"
        default: "the API key was refused"
        }
    }

    /// Codes that mean "no such order" on a cancel: the order may be finished; it is queried next.
    static func isFinishedOrMissing(_ error: ExecutionError) -> Bool {
        error.kind == .unknownOrder
            || ["retCode 110008", "retCode 110010", "retCode 170210"].contains { error.message.contains($0) }
    }

    static func decimal(_ text: String?) -> VenueDecimal? {
        guard let text, !text.isEmpty else { return nil }
        return VenueDecimal(text)
    }

    /// `a − b` exactly (balances: free = total − locked without binary rounding noise).
    static func difference(_ a: VenueDecimal, _ b: VenueDecimal) -> VenueDecimal {
        let scale = max(a.scale, b.scale)
        return VenueDecimal(mantissa: a.rescaled(to: scale) - b.rescaled(to: scale), scale: scale).normalized
    }

    static func number(_ text: String?) -> Double? {
        guard let text, !text.isEmpty else { return nil }
        return Double(text)
    }

    /// `lotSizeFilter.basePrecision` is the quantity step (what Bybit checks, "Order volume decimal
    /// too long"); `minOrderAmt` is the minimum notional in the quote coin.
    static func rules(_ instrument: BybitModels.Instrument, symbol: TradingSymbol) -> SymbolRules {
        let lot = instrument.lotSizeFilter
        return SymbolRules(
            symbol: symbol, venueSymbol: instrument.symbol,
            stepSize: decimal(lot?.basePrecision),
            tickSize: decimal(instrument.priceFilter?.tickSize),
            minQuantity: decimal(lot?.minOrderQty),
            maxQuantity: decimal(lot?.maxOrderQty) ?? decimal(lot?.maxLimitOrderQty),
            minNotional: decimal(lot?.minOrderAmt),
            maxNotional: decimal(lot?.maxOrderAmt),
            notionalAppliesToMarket: true)
    }

    /// Bybit order status → ours. `PartiallyFilledCanceled` is final with a fill (spot market
    /// orders end this way when the book runs out).
    static func status(_ text: String) -> OrderStatus {
        switch text {
        case "Created", "Untriggered", "Triggered", "Active": .accepted
        case "New": .accepted
        case "PartiallyFilled": .partiallyFilled
        case "Filled": .filled
        case "Cancelled", "PartiallyFilledCanceled", "Deactivated": .cancelled
        case "Rejected": .rejected
        default: .submitted
        }
    }

    static func order(_ wire: BybitModels.Order, symbol: TradingSymbol) -> VenueOrder {
        let side: Side = wire.side.lowercased() == "sell" ? .sell : .buy
        let type: OrderType = wire.orderType == "Market" ? .market : .limit
        let filled = number(wire.cumExecQty) ?? 0
        var average = number(wire.avgPrice).flatMap { $0 > 0 ? $0 : nil }
        if average == nil, filled > 0, let value = number(wire.cumExecValue), value > 0 { average = value / filled }
        // Spot fees: taken from what is received, the base coin on a buy and the quote coin on a sell.
        var fee = number(wire.cumExecFee)
        var feeAsset: String? = fee == nil ? nil : (wire.feeCurrency.flatMap { $0.isEmpty ? nil : $0 } ?? (side == .buy ? symbol.base : symbol.quote))
        if let detail = wire.cumFeeDetail, detail.count == 1, let (coin, amount) = detail.first, let value = Double(amount) {
            fee = value
            feeAsset = coin
        }
        let status = status(wire.orderStatus)
        var reason: String?
        if status == .rejected || status == .cancelled {
            reason = [wire.rejectReason, wire.cancelType].compactMap { $0 }.filter { !$0.isEmpty && $0 != "EC_NoError" && $0 != "UNKNOWN" }
                .first
        }
        // A market buy's `qty` is in the quote coin unless it was placed with `marketUnit=baseCoin`.
        var quantity = number(wire.qty) ?? 0
        if type == .market, side == .buy, wire.marketUnit == "quoteCoin", let average, average > 0, filled > 0 {
            quantity = filled
        }
        let trigger = number(wire.triggerPrice).flatMap { $0 > 0 ? $0 : nil }
        return VenueOrder(
            clientOrderId: wire.orderLinkId ?? "", venueOrderId: wire.orderId, symbol: symbol, side: side, type: type,
            status: status, quantity: quantity, filledQuantity: filled, averageFillPrice: average,
            limitPrice: type == .limit ? number(wire.price).flatMap { $0 > 0 ? $0 : nil } : nil, stopPrice: trigger,
            cumulativeFee: fee, feeAsset: feeAsset, reason: reason,
            updatedAt: Int64(wire.updatedTime ?? "") ?? Int64(wire.createdTime ?? "") ?? 0)
    }

    /// UTA coins: `walletBalance` is the total, `locked` what spot open orders hold.
    static func balances(_ wallet: BybitModels.Wallet) -> [VenueBalance] {
        var out: [VenueBalance] = []
        for account in wallet.list {
            for coin in account.coin ?? [] {
                let total = decimal(coin.walletBalance) ?? decimal(coin.equity) ?? .zero
                let locked = decimal(coin.locked) ?? .zero
                out.append(VenueBalance(asset: coin.coin, free: difference(total, locked).doubleValue, locked: locked.doubleValue))
            }
        }
        return out
    }
}
