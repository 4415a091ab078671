/// A running sum with Neumaier (improved Kahan–Babuška) compensation.
///
/// The rounding error of every addition is accumulated separately in `compensation`, so the
/// error of `value` stays at a few ulps of the true sum regardless of how many terms were
/// added and removed — a sliding window that adds the new value and subtracts the evicted one
/// over millions of bars does not drift.
@usableFromInline
struct NeumaierSum: Sendable {
    @usableFromInline var sum: Double = 0
    @usableFromInline var compensation: Double = 0

    @inlinable init() {}

    @inlinable
    mutating func add(_ term: Double) {
        let total = sum + term
        if sum.magnitude >= term.magnitude {
            compensation += (sum - total) + term
        } else {
            compensation += (term - total) + sum
        }
        sum = total
    }

    @inlinable var value: Double { sum + compensation }

    @inlinable
    mutating func reset() {
        sum = 0
        compensation = 0
    }
}
