import Testing
@testable import TradingCore

@Suite("Strategy registry and parameter validation")
struct StrategyRegistryTests {
    @Test func listsAllEightBuiltIns() {
        #expect(StrategyRegistry.names == ["MovingAverageCross", "MeanReversion", "Breakout", "Momentum", "MACDTrend",
                                           "BollingerReversion", "BuyAndHold", "TestStrategy"])
        for descriptor in StrategyRegistry.descriptors {
            #expect(!descriptor.description.isEmpty)
            for spec in descriptor.parameters {
                #expect(!spec.description.isEmpty)
                if spec.type == .int || spec.type == .float {
                    #expect(spec.minimum != nil && spec.maximum != nil)
                    if let value = spec.defaultValue?.numericValue { #expect(value >= spec.minimum! && value <= spec.maximum!) }
                }
            }
            // Defaults alone are valid.
            #expect(throws: Never.self) { try StrategyRegistry.validate(name: descriptor.name, parameters: [:]) }
        }
    }

    @Test func documentedDefaults() throws {
        let mac = try StrategyRegistry.validate(name: "MovingAverageCross", parameters: [:])
        #expect(mac.int("fast_period") == 10 && mac.int("slow_period") == 30 && mac.double("stake") == 1)
        #expect(mac.optionalDouble("stop_loss") == nil && mac.optionalDouble("take_profit") == nil)
        let test = try StrategyRegistry.validate(name: "TestStrategy", parameters: [:])
        #expect(test.int("period") == 20 && test.double("threshold") == 0.02)
        #expect(try StrategyRegistry.validate(name: "Breakout", parameters: [:]).int("lookback") == 20)
        #expect(try StrategyRegistry.validate(name: "Momentum", parameters: [:]).int("period") == 10)
        let mr = try StrategyRegistry.validate(name: "MeanReversion", parameters: [:])
        #expect(mr.int("rsi_period") == 14 && mr.int("sma_period") == 20 && mr.double("oversold") == 30 && mr.double("overbought") == 70)
    }

    @Test func unknownStrategyListsAvailableNames() {
        do {
            _ = try StrategyRegistry.strategyType(named: "Nope")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownStrategy)
            #expect(error.details["available"] == .list(StrategyRegistry.names))
            #expect(error.message.contains("MovingAverageCross"))
        }
    }

    @Test func unknownParameterListsAcceptedOnes() {
        do {
            _ = try StrategyRegistry.validate(name: "TestStrategy", parameters: ["perod": .int(5)])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidStrategyParameters)
            #expect(error.message.contains("unknown parameter 'perod'"))
            #expect(error.message.contains("period (int, 1…10000, default 20)"))
            #expect(error.details["accepted"] == .list(["period", "threshold", "stake"]))
        }
    }

    @Test func outOfRangeAndWrongTypeAreRejected() {
        let cases: [[String: ParameterValue]] = [
            ["fast_period": .int(0)], ["slow_period": .int(100_000)], ["fast_period": .float(2.5)],
            ["stake": .float(1.5)], ["stake": .string("all")], ["stop_loss": .float(1.5)], ["fast_period": .bool(true)],
        ]
        for parameters in cases {
            #expect(throws: TradingError.self, "\(parameters)") {
                try StrategyRegistry.validate(name: "MovingAverageCross", parameters: parameters)
            }
        }
        #expect(throws: TradingError.self) {
            try StrategyRegistry.validate(name: "BollingerReversion", parameters: ["exit_band": .string("lower")])
        }
    }

    @Test func numbersAreCoercedWithoutLoss() throws {
        let resolved = try StrategyRegistry.validate(name: "MovingAverageCross", parameters: ["fast_period": .float(5), "stake": .int(1)])
        #expect(resolved.values["fast_period"] == .int(5))
        #expect(resolved.values["stake"] == .float(1))
    }

    @Test func parameterValuesDecodeFromJSON() throws {
        let json = #"{"a": 10, "b": 0.5, "c": true, "d": "upper"}"#
        let decoded = try JSONDecoderShim.decode([String: ParameterValue].self, json)
        #expect(decoded == ["a": .int(10), "b": .float(0.5), "c": .bool(true), "d": .string("upper")])
    }
}
