import Dispatch
import Synchronization

/// Writes a run's order list — its JSON and its fingerprint — on a thread of its own while the
/// engine runs, from the orders `FinalOrderFeed` hands out: on two cores the list (most of a long
/// run's document) is done by the time the loop ends, instead of after it.
///
/// `append` is called on the engine's thread; `finish` once, after the run. When no thread can
/// be had, `append` writes in place.
final class OrderListStream: @unchecked Sendable {
    /// The symbols the orders' indices refer to (the engine's sorted order).
    let symbols: [TradingSymbol]
    private let symbolNames: [String]
    private let quotedSymbols: [[UInt8]]
    private let pending = Mutex<[[Order]?]>([])
    private let arrived = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var threaded = false
    // Touched by the writing thread only, until `finished` is signalled (or by the caller when
    // there is no thread).
    private var writer: JSONByteWriter
    private var hasher = FNV1a()
    private let lines = JSONByteBuffer(capacity: 64 * 1024)

    /// - Parameter expectedOrders: reserved up front (only the pages written are ever touched).
    init(symbols: [TradingSymbol], pretty: Bool, expectedOrders: Int) {
        self.symbols = symbols
        symbolNames = symbols.map(\.description)
        quotedSymbols = ResultsDocument.quoted(symbolNames)
        writer = JSONByteWriter(pretty: pretty, depth: 1, reservingCapacity: expectedOrders * (pretty ? 700 : 420) + 16)
        writer.beginArray()
    }

    /// Starts the writing thread (before the run).
    func start() {
        threaded = WorkerThreads.tryStart { [self] in drain() }
    }

    /// Orders that will not change any more, in order (copied: the engine keeps its array).
    func append(_ orders: ArraySlice<Order>) {
        let chunk = Array(orders)
        guard threaded else { return write(chunk) }
        pending.withLock { $0.append(chunk) }
        arrived.signal()
    }

    /// Waits for every order appended to be written; the list and its fingerprint
    /// (`Order.listHash`).
    func finish() -> (json: JSONPiece, hash: String) {
        if threaded {
            pending.withLock { $0.append(nil) }
            arrived.signal()
            finished.wait()
            threaded = false
        }
        writer.endArray()
        return (writer.takePiece(), hasher.hex)
    }

    private func drain() {
        while true {
            arrived.wait()
            guard let chunk = pending.withLock({ $0.removeFirst() }) else { break }
            write(chunk)
        }
        finished.signal()
    }

    private func write(_ orders: [Order]) {
        lines.count = 0
        ResultsDocument.writeElements(orders[...], quotedSymbols: quotedSymbols, symbolNames: symbolNames, to: &writer, canonicalLines: lines)
        hasher.combine(lines)
    }
}
