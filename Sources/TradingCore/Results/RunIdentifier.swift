import Dispatch

/// Deterministic run ids for CLI runs: FNV-1a 64 over the canonical configuration JSON, then per
/// symbol its text and the ``BarDigest`` of its bars, as 16 hex digits.
public enum RunIdentifier {
    public static func make(configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]]) -> String {
        var hasher = FNV1a()
        hasher.combine(bytes: configuration.canonicalJSON())
        for symbol in bars.keys.sorted() {
            hasher.combine(0)
            hasher.combine(symbol.description)
            BarDigest.combine(bars[symbol] ?? [], into: &hasher)
        }
        return hasher.hex
    }

    /// Inputs with at least this many bars get their id computed concurrently with the run.
    static let concurrentThreshold = 100_000

    /// A run id being computed on a global dispatch queue.
    final class Pending: @unchecked Sendable {
        private let group = DispatchGroup()
        // Written once on the queue before `leave`, read after `wait` (the group orders the two).
        private var result = ""

        init(configuration: BacktestConfiguration, bars: [TradingSymbol: [Bar]]) {
            group.enter()
            // Its own thread, not Dispatch's pool (see `WorkerThreads`).
            WorkerThreads.start { [self] in
                result = RunIdentifier.make(configuration: configuration, bars: bars)
                group.leave()
            }
        }

        /// Blocks until the id is ready.
        func wait() -> String {
            group.wait()
            return result
        }
    }
}
