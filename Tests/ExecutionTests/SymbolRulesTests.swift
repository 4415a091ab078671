import Execution
import Testing
import TradingCore

@Suite("Exact decimals and symbol rules (rounding and local rejection)")
struct SymbolRulesTests {
    static let symbol = try! TradingSymbol(parsing: "BTC/USDT")
    static func d(_ text: String) -> VenueDecimal { VenueDecimal(text)! }

    static let rules = SymbolRules(
        symbol: symbol, venueSymbol: "BTCUSDT", stepSize: d("0.00001"), tickSize: d("0.01"), minQuantity: d("0.00001"),
        maxQuantity: d("9000"), minNotional: d("5"), maxNotional: d("9000000"), notionalAppliesToMarket: true)

    @Test("parsing and printing: plain notation, exponents, trailing zeros, signs; nonsense is nil")
    func parsing() {
        #expect(Self.d("0.00100000").description == "0.001")
        #expect(Self.d("1.5E+3").description == "1500")
        #expect(Self.d("1e-5").description == "0.00001")
        #expect(Self.d("-2.50").description == "-2.5")
        #expect(VenueDecimal(0.1)?.description == "0.1")
        #expect(VenueDecimal(1e-8)?.description == "0.00000001")
        #expect(VenueDecimal("abc") == nil)
        #expect(VenueDecimal("") == nil)
        #expect(VenueDecimal("1.2.3") == nil)
        #expect(Self.d("0.1") == Self.d("0.10000"))
        #expect(Self.d("0.3") > Self.d("0.29999999"))
        #expect((Self.d("0.001") * Self.d("50000.10")).description == "50.0001")
    }

    @Test("rounding to a grid is exact where binary floating point is not (0.3 / 0.1)")
    func rounding() {
        // 0.3 / 0.1 = 2.9999999999999996 in Double: floor would lose a whole step.
        #expect(Self.d("0.3").rounded(toMultipleOf: Self.d("0.1"), .down).description == "0.3")
        #expect(Self.d("0.123456").rounded(toMultipleOf: Self.d("0.001"), .down).description == "0.123")
        #expect(Self.d("37512.345").rounded(toMultipleOf: Self.d("0.01"), .nearest).description == "37512.35")
        #expect(Self.d("37512.344").rounded(toMultipleOf: Self.d("0.01"), .nearest).description == "37512.34")
        #expect(Self.d("-2.5").rounded(toMultipleOf: Self.d("1"), .nearest).description == "-3")
        #expect(Self.d("7").rounded(toMultipleOf: Self.d("5"), .down).description == "5")
    }

    @Test("prepare: quantity down to the step, prices to the nearest tick, the rounded request as numbers")
    func prepares() throws {
        let request = VenueOrderRequest(
            clientOrderId: "ct1", symbol: Self.symbol, side: .buy, type: .limit, quantity: 0.1234567, limitPrice: 30_000.126)
        let prepared = try Self.rules.prepare(request, referencePrice: nil)
        #expect(prepared.quantity.description == "0.12345")
        #expect(prepared.limitPrice?.description == "30000.13")
        #expect(prepared.request.quantity == 0.12345)
        #expect(prepared.request.limitPrice == 30_000.13)
        #expect(prepared.request.clientOrderId == "ct1")
    }

    @Test("prepare rejects locally, naming the rule: zero after rounding, minimum quantity, minimum and maximum notional")
    func rejects() {
        func reason(_ quantity: Double, type: OrderType = .market, limit: Double? = nil, reference: Double? = 30_000) -> String? {
            let request = VenueOrderRequest(clientOrderId: "ct1", symbol: Self.symbol, side: .buy, type: type, quantity: quantity, limitPrice: limit)
            do {
                _ = try Self.rules.prepare(request, referencePrice: reference)
                return nil
            } catch {
                #expect(error.kind == .rejected)
                return error.message
            }
        }
        #expect(reason(0.000001) == "BTC/USDT: quantity 0.000001 rounds down to 0 at step size 0.00001")
        #expect(reason(0.0001) == "BTC/USDT: notional 3 is below the minimum 5")
        #expect(reason(0.0001, type: .limit, limit: 60_000) == nil)
        #expect(reason(10_000, reference: 1) == "BTC/USDT: quantity 10000 is above the maximum 9000")
        #expect(reason(400, reference: 30_000) == "BTC/USDT: notional 12000000 is above the maximum 9000000")
        #expect(reason(-1) == "BTC/USDT: quantity must be a positive number")
        #expect(reason(1, type: .limit, limit: 0.001) == "BTC/USDT: limit price 0.001 rounds to 0 at tick size 0.01")
        // Without a price seen, a market order's notional cannot be checked: the venue decides.
        #expect(reason(0.0001, reference: nil) == nil)
    }
}
