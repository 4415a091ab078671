#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TradingCore

/// OKX v5 payloads → `VenueOrder`, `SymbolRules`, balances; codes (top-level `code` or per-item
/// `sCode`) → `ExecutionError` kinds.
enum OKXParse {
    static let venue = "okx"

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], label: String) throws(ExecutionError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw ExecutionError(.outcomeUnknown, "\(venue): unexpected answer to \(label)")
        }
    }

    /// The data of a successful answer, or the venue's error. For order operations OKX answers
    /// `code` "1" ("All operations failed") and puts the reason in the item's `sCode`/`sMsg`.
    static func data<T: Decodable>(_ type: T.Type, _ response: VenueHTTPResponse, label: String) throws(ExecutionError) -> [T] {
        guard let status = try? JSONDecoder().decode(OKXModels.Status.self, from: Data(response.body)) else {
            if response.status == 401 {
                throw ExecutionError(.authenticationFailed, "\(venue): the API key was refused (HTTP 401) on \(label)")
            }
            throw ExecutionError(.outcomeUnknown, "\(venue): unexpected HTTP \(response.status) answer to \(label)")
        }
        if status.code != "0" {
            if let item = status.data?.first(where: { ($0.sCode ?? "0") != "0" }), let code = item.sCode {
                throw error(code: code, message: item.sMsg ?? "", label: label)
            }
            throw error(code: status.code, message: status.msg ?? "", label: label)
        }
        let envelope = try decode(OKXModels.Envelope<T>.self, response.body, label: label)
        return envelope.data
    }

    static let authenticationCodes: Set<String> = [
        "50100", "50101", "50102", "50103", "50104", "50105", "50106", "50107", "50108", "50109", "50110", "50111", "50112",
        "50113", "50114", "50120", "50030",
    ]

    /// Codes: protocol-facts §1.3 / §2.3.
    static func error(code: String, message: String, label: String) -> ExecutionError {
        let base = code.split(separator: "_").first.map(String.init) ?? code
        if authenticationCodes.contains(base) {
            // OKX's messages name the header at fault; the code is enough and carries no value.
            return ExecutionError(.authenticationFailed, "\(venue): the API key, passphrase or signature was refused (code \(code)) on \(label)")
        }
        let text = "\(venue): \(message.isEmpty ? "error" : message) (code \(code)) on \(label)"
        switch base {
        case "50011", "50013", "50040", "50061":
            return ExecutionError(.rateLimited, text, retryAfter: 1)
        case "50004", "51149", "50001", "50026":
            // Endpoint timeout / order timed out / service unavailable: the order may exist.
            return ExecutionError(.outcomeUnknown, text)
        case "51603":
            return ExecutionError(.unknownOrder, text)
        default:
            return ExecutionError(.rejected, text)
        }
    }

    /// Cancel codes that mean the order is finished (or was never there); it is queried next.
    static func isFinishedOrMissing(_ error: ExecutionError) -> Bool {
        error.kind == .unknownOrder || ["code 51400", "code 51401", "code 51402"].contains { error.message.contains($0) }
    }

    static func decimal(_ text: String?) -> VenueDecimal? {
        guard let text, !text.isEmpty else { return nil }
        return VenueDecimal(text)
    }

    static func number(_ text: String?) -> Double? {
        guard let text, !text.isEmpty else { return nil }
        return Double(text)
    }

    /// `BTC-USDT` → `BTC/USDT`.
    static func symbol(_ instId: String) -> TradingSymbol? {
        let parts = instId.split(separator: "-")
        guard parts.count == 2 else { return nil }
        return try? TradingSymbol(base: String(parts[0]), quote: String(parts[1]))
    }

    /// `lotSz` step, `tickSz` tick, `minSz` minimum and `maxLmtSz` maximum quantity (base currency).
    /// OKX publishes no minimum notional for spot.
    static func rules(_ instrument: OKXModels.Instrument, symbol: TradingSymbol) -> SymbolRules {
        SymbolRules(
            symbol: symbol, venueSymbol: instrument.instId, stepSize: decimal(instrument.lotSz), tickSize: decimal(instrument.tickSz),
            minQuantity: decimal(instrument.minSz), maxQuantity: decimal(instrument.maxLmtSz))
    }

    static func status(_ state: String) -> OrderStatus {
        switch state {
        case "live": .accepted
        case "partially_filled": .partiallyFilled
        case "filled": .filled
        case "canceled", "mmp_canceled": .cancelled
        default: .submitted
        }
    }

    static func order(_ wire: OKXModels.Order, symbol: TradingSymbol) -> VenueOrder {
        let side: Side = wire.side == "sell" ? .sell : .buy
        let type: OrderType = wire.ordType == "market" ? .market : .limit
        let filled = number(wire.accFillSz) ?? 0
        let average = number(wire.avgPx).flatMap { $0 > 0 ? $0 : nil }
        // OKX reports fees as negative amounts (charged) and rebates as positive.
        let fee = number(wire.fee).map { $0 == 0 ? 0 : -$0 }
        let feeAsset = wire.feeCcy.flatMap { $0.isEmpty ? nil : $0 }
        var quantity = number(wire.sz) ?? 0
        // A market buy sized in the quote currency: the filled base quantity is the quantity.
        if type == .market, wire.tgtCcy == "quote_ccy" || (side == .buy && (wire.tgtCcy ?? "").isEmpty), filled > 0 {
            quantity = filled
        }
        let status = status(wire.state)
        let reason = status == .cancelled ? wire.cancelSourceReason.flatMap { $0.isEmpty ? nil : $0 } : nil
        return VenueOrder(
            clientOrderId: wire.clOrdId ?? "", venueOrderId: wire.ordId, symbol: symbol, side: side, type: type, status: status,
            quantity: quantity, filledQuantity: filled, averageFillPrice: average,
            limitPrice: type == .limit ? number(wire.px).flatMap { $0 > 0 ? $0 : nil } : nil,
            cumulativeFee: fee, feeAsset: fee == nil ? nil : (feeAsset ?? (side == .buy ? symbol.base : symbol.quote)), reason: reason,
            updatedAt: Int64(wire.uTime ?? "") ?? Int64(wire.cTime ?? "") ?? 0)
    }

    /// `availBal` is free, `frozenBal` what orders hold.
    static func balances(_ accounts: [OKXModels.Account]) -> [VenueBalance] {
        accounts.flatMap { account in
            (account.details ?? []).map { detail in
                let free = number(detail.availBal) ?? number(detail.cashBal) ?? 0
                return VenueBalance(asset: detail.ccy, free: free, locked: number(detail.frozenBal) ?? 0)
            }
        }
    }
}
