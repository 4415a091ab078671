import Dispatch
import Synchronization
import TradingCore

/// The SQLite ``OrderJournal`` of a run: each new order is committed to `run_orders` (status
/// `submitted`) before the broker may accept it.
///
/// The broker calls the journal synchronously, so `recordSubmission` blocks its thread until the
/// commit is done (well under a millisecond with `durable: false`; one fsync, about 10 ms on this
/// machine's disk, with `durable: true`). It must therefore be called from a thread
/// outside Swift's cooperative pool — the server's engine queue — never from an `async` context,
/// where blocking could starve the very tasks the commit needs.
public final class RunOrderJournal: OrderJournal {
    public let store: RunStore
    public let runID: String
    /// Commit with `synchronous=FULL` (survives a power cut) rather than NORMAL (survives a
    /// killed process).
    public let durable: Bool
    /// Renders an order as its JSON row (the server's `OrderRecord` encoding).
    private let render: @Sendable (Order) -> String
    private let failures = Atomic<Int>(0)

    /// True once an order could not be recorded (it was rejected instead); the run must fail.
    public var hasFailed: Bool { failures.load(ordering: .acquiring) > 0 }

    public init(store: RunStore, runID: String, durable: Bool = true, render: @escaping @Sendable (Order) -> String) {
        self.store = store
        self.runID = runID
        self.durable = durable
        self.render = render
    }

    public func recordSubmission(_ order: Order) -> String? {
        let row = SequencedJSON(seq: order.id - 1, json: render(order))
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let store = self.store
        let runID = self.runID
        let durable = self.durable
        Task.detached {
            do {
                try await store.recordOrderSubmission(runID: runID, order: row, durable: durable)
                outcome.set(nil)
            } catch {
                outcome.set("storage: the order could not be recorded, so it was not placed")
            }
            done.signal()
        }
        done.wait()
        let refusal = outcome.value
        if refusal != nil { failures.add(1, ordering: .releasing) }
        return refusal
    }

    /// The commit's answer, handed from the task back to the blocked thread.
    private final class Outcome: Sendable {
        private let state = Mutex<String?>("storage: the order was not recorded")
        var value: String? { state.withLock { $0 } }
        func set(_ value: String?) { state.withLock { $0 = value } }
    }
}
