/// Hands a run's orders out while it runs, in order, each once it can no longer change: at every
/// engine checkpoint the orders before the first working one (every order not working is in a
/// terminal state, and terminal orders are never touched again), and at the end all the rest.
/// Lets the results document be written on another core while the loop runs.
struct FinalOrderFeed {
    let sink: ((ArraySlice<Order>) -> Void)?
    /// Orders handed out so far.
    private(set) var published = 0

    init(sink: ((ArraySlice<Order>) -> Void)?) {
        self.sink = sink
    }

    /// Hands out the orders that became final since the last call.
    @inline(__always)
    mutating func publishFinal(_ broker: SimulatedBroker) {
        guard sink != nil else { return }
        publish(broker, upTo: broker.working.min() ?? broker.orders.count)
    }

    /// Hands out every order not handed out yet (the run is over).
    mutating func publishAll(_ broker: SimulatedBroker) {
        guard sink != nil else { return }
        publish(broker, upTo: broker.orders.count)
    }

    private mutating func publish(_ broker: SimulatedBroker, upTo end: Int) {
        guard let sink, end > published else { return }
        sink(broker.orders[published..<end])
        published = end
    }
}
