import Testing
@testable import TradingCore

@Suite("Order state machine")
struct OrderStateMachineTests {
    /// The complete table of legal steps; everything else must throw.
    static let legal: Set<String> = [
        "submitted>accepted", "submitted>rejected", "submitted>cancelled",
        "accepted>partially_filled", "accepted>filled", "accepted>cancelled", "accepted>rejected", "accepted>expired",
        "partially_filled>partially_filled", "partially_filled>filled", "partially_filled>cancelled", "partially_filled>expired",
    ]

    @Test("every pair of states: legal ones succeed, illegal ones throw a typed error",
          arguments: OrderStatus.allCases)
    func exhaustive(from: OrderStatus) throws {
        for to in OrderStatus.allCases {
            let key = "\(from.rawValue)>\(to.rawValue)"
            let machine = OrderStateMachine(state: from)
            if Self.legal.contains(key) {
                let next = try machine.transition(to: to)
                #expect(next.state == to, "\(key)")
                #expect(OrderStateMachine.isLegal(from: from, to: to))
            } else {
                #expect(throws: OrderTransitionError(from: from, to: to), "\(key)") {
                    try machine.transition(to: to)
                }
                #expect(!OrderStateMachine.isLegal(from: from, to: to))
            }
        }
    }

    @Test func terminalStatesHaveNoExit() {
        for state in OrderStatus.allCases where state.isTerminal {
            #expect(OrderStatus.allCases.allSatisfy { !OrderStateMachine.isLegal(from: state, to: $0) })
        }
        #expect(Set(OrderStatus.allCases.filter(\.isTerminal)) == [.filled, .cancelled, .rejected, .expired])
    }

    @Test func legalCountMatchesTable() {
        var count = 0
        for from in OrderStatus.allCases {
            for to in OrderStatus.allCases where OrderStateMachine.isLegal(from: from, to: to) { count += 1 }
        }
        #expect(count == Self.legal.count)
    }

    @Test func errorDescribesTransition() {
        let error = OrderTransitionError(from: .filled, to: .cancelled)
        #expect(error.description == "illegal order transition filled → cancelled")
    }
}
