/// Where the simulated broker records every new order **before** it accepts it: the order is
/// handed over in status `submitted`, with its client order id, and only once the journal says it
/// is recorded does the broker validate and accept it. Paper runs use a SQLite journal so that an
/// order is on disk before it can fill; backtests use none (they save everything at the end).
///
/// `recordSubmission` is called synchronously from inside `SimulatedBroker.submit` (and when a
/// bracket leg is created), so it may block; it is never called by backtests.
public protocol OrderJournal: Sendable {
    /// Records `order` durably. Returns nil once it is recorded, or the reason it could not be:
    /// the broker then rejects the order with that reason and it never works.
    func recordSubmission(_ order: Order) -> String?
}
