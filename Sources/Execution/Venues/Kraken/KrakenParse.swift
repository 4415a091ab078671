#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// Kraken payloads → orders, rules, balances and ``ExecutionError`` kinds.
enum KrakenParse {
    /// What a call does, which decides how an ambiguous venue error is read.
    enum CallKind: Sendable {
        /// Reads state: safe to repeat.
        case read
        /// `AddOrder`: a service error may mean the order is live.
        case place
        /// `CancelOrder`: a service error may mean the order is cancelled.
        case cancel
    }

    /// The `result` of a Kraken answer, or the error its `error[]` (or HTTP status) stands for.
    static func result<Result: Decodable>(
        _ response: VenueHTTPResponse, as type: Result.Type, endpoint: String, kind: CallKind
    ) throws(ExecutionError) -> Result {
        let envelope: KrakenModels.Envelope<Result>
        do {
            envelope = try JSONDecoder().decode(KrakenModels.Envelope<Result>.self, from: Data(response.body))
        } catch {
            if response.status == 401 || response.status == 403 {
                throw ExecutionError(.authenticationFailed, "kraken: \(endpoint): HTTP \(response.status)")
            }
            let detail = response.status == 200 ? "unreadable answer" : "HTTP \(response.status)"
            throw ExecutionError(kind == .read ? .rejected : .outcomeUnknown, "kraken: \(endpoint): \(detail)")
        }
        if !envelope.error.isEmpty { throw error(envelope.error, endpoint: endpoint, kind: kind) }
        guard response.status == 200, let result = envelope.result else {
            throw ExecutionError(kind == .read ? .rejected : .outcomeUnknown, "kraken: \(endpoint): HTTP \(response.status) without a result")
        }
        return result
    }

    /// Kraken's error strings (`EOrder:Insufficient funds`, …) → the error kind. The message is
    /// Kraken's own text, which names no credential.
    static func error(_ errors: [String], endpoint: String, kind: CallKind, now: Double = Date().timeIntervalSince1970) -> ExecutionError {
        let message = "kraken: \(endpoint): \(errors.joined(separator: ", "))"
        for error in errors {
            if error.hasPrefix("EAPI:Invalid key") || error.hasPrefix("EAPI:Invalid signature") || error.hasPrefix("EAPI:Invalid nonce")
                || error.hasPrefix("EGeneral:Permission denied") || error.hasPrefix("EAPI:Bad request") {
                return ExecutionError(.authenticationFailed, message)
            }
            if error.hasPrefix("EAPI:Rate limit exceeded") || error.hasPrefix("EOrder:Rate limit exceeded") {
                // The REST counter decays by 0.5 per second at the lowest tier: two seconds frees one call.
                return ExecutionError(.rateLimited, message, retryAfter: 2)
            }
            if error.hasPrefix("EService:Throttled") {
                let until = error.split(separator: ":").last.flatMap { Double($0.filter { $0 != " " }) }
                return ExecutionError(.rateLimited, message, retryAfter: until.map { max(1, $0 - now) } ?? 1)
            }
            if error.hasPrefix("EGeneral:Temporary lockout") {
                return ExecutionError(.rateLimited, message, retryAfter: 60)
            }
            if error.hasPrefix("EOrder:Unknown order") {
                return ExecutionError(.unknownOrder, message)
            }
            if error.hasPrefix("EService:Unavailable") || error.hasPrefix("EService:Deadline elapsed") || error.hasPrefix("EService:Busy")
                || error.hasPrefix("EGeneral:Internal error") {
                // The matching engine may have taken an order or a cancel before the service gave up.
                return ExecutionError(kind == .read ? .unreachable : .outcomeUnknown, message)
            }
        }
        return ExecutionError(.rejected, message)
    }

    /// The rules of `symbol` from an `AssetPairs` result (keyed by canonical name; matched by key,
    /// `altname` or `wsname`).
    static func rules(
        for symbol: TradingSymbol, in pairs: [String: KrakenModels.AssetPair]
    ) -> (rules: SymbolRules, names: [String])? {
        let wanted = KrakenHTTP.pairName(symbol)
        let wsName = KrakenHTTP.assetCode(symbol.base) + "/" + KrakenHTTP.assetCode(symbol.quote)
        guard let (key, pair) = pairs.first(where: { $0.key == wanted || $0.value.altname == wanted || $0.value.wsname == wsName })
            ?? pairs.first(where: { $0.value.wsname == symbol.description }) else { return nil }
        let altname = pair.altname ?? key
        let tick = pair.tickSize.flatMap { VenueDecimal($0) } ?? pair.pairDecimals.map { VenueDecimal(mantissa: 1, scale: $0) }
        let rules = SymbolRules(
            symbol: symbol, venueSymbol: altname,
            stepSize: pair.lotDecimals.map { VenueDecimal(mantissa: 1, scale: $0) },
            tickSize: tick,
            minQuantity: pair.ordermin.flatMap { VenueDecimal($0) },
            minNotional: pair.costmin.flatMap { VenueDecimal($0) },
            notionalAppliesToMarket: true)
        return (rules, [key, altname] + (pair.wsname.map { [$0] } ?? []))
    }

    /// An order. `symbol` is the market it belongs to (Kraken names it by pair).
    static func order(_ info: KrakenModels.OrderInfo, txid: String, symbol: TradingSymbol) -> VenueOrder {
        let quantity = Double(info.vol) ?? 0
        let filled = Double(info.volExec) ?? 0
        let average = info.price.flatMap(Double.init).flatMap { $0 > 0 && filled > 0 ? $0 : nil }
            ?? ((Double(info.cost ?? "") ?? 0) > 0 && filled > 0 ? (Double(info.cost ?? "") ?? 0) / filled : nil)
        let type: OrderType
        var limit: Double?
        var stop: Double?
        let descrPrice = info.descr.price.flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        let descrPrice2 = info.descr.price2.flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        switch info.descr.ordertype {
        case "limit":
            type = .limit
            limit = descrPrice
        case "stop-loss", "take-profit":
            type = .stop
            stop = descrPrice
        case "stop-loss-limit", "take-profit-limit":
            type = .stopLimit
            stop = descrPrice
            limit = descrPrice2
        default:
            type = .market
        }
        let status: OrderStatus
        switch info.status {
        case "pending": status = .submitted
        case "open": status = filled > 0 ? .partiallyFilled : .accepted
        case "closed": status = filled > 0 ? .filled : .expired
        case "canceled": status = .cancelled
        case "expired": status = .expired
        default: status = .submitted
        }
        // Kraken charges in the quote currency unless the order asked for the base (`fcib`).
        let feeAsset = (info.oflags ?? "").contains("fcib") ? symbol.base : symbol.quote
        let seconds = max(info.closetm ?? 0, info.opentm ?? 0)
        return VenueOrder(
            clientOrderId: info.clOrdId ?? "", venueOrderId: txid, symbol: symbol, side: info.descr.type == "sell" ? .sell : .buy,
            type: type, status: status, quantity: quantity, filledQuantity: filled, averageFillPrice: average,
            limitPrice: limit, stopPrice: stop, cumulativeFee: info.fee.flatMap(Double.init), feeAsset: feeAsset,
            reason: info.reason, updatedAt: Int64((seconds * 1000).rounded()))
    }

    /// `BalanceEx` → balances by common ticker (`XXBT` → `BTC`); free is the total less the hold.
    static func balances(_ result: [String: KrakenModels.ExtendedBalance]) -> [VenueBalance] {
        var merged: [String: (free: VenueDecimal, locked: VenueDecimal)] = [:]
        for (asset, value) in result {
            let total = VenueDecimal(value.balance) ?? .zero
            let hold = VenueDecimal(value.holdTrade ?? "0") ?? .zero
            let name = KrakenHTTP.commonAsset(asset)
            let previous = merged[name] ?? (.zero, .zero)
            // Exact decimals: 1000 − 300.78 must read 699.22, not 699.2199999999999.
            merged[name] = (sum(previous.free, sum(total, hold, negate: true)), sum(previous.locked, hold))
        }
        return merged.map { VenueBalance(asset: $0.key, free: $0.value.free.doubleValue, locked: $0.value.locked.doubleValue) }
            .sorted { $0.asset < $1.asset }
    }

    /// `a + b` (or `a − b`) in exact decimals.
    static func sum(_ a: VenueDecimal, _ b: VenueDecimal, negate: Bool = false) -> VenueDecimal {
        let scale = max(a.scale, b.scale)
        let right = b.rescaled(to: scale)
        return VenueDecimal(mantissa: a.rescaled(to: scale) + (negate ? -right : right), scale: scale).normalized
    }
}
