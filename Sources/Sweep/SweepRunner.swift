import Synchronization
import TradingCore

/// Runs cells on N worker threads. The bars are shared read-only: each (symbol, window) slice is
/// cut once before the workers start. Engine runs are synchronous CPU work, so they run on
/// threads of their own (`WorkerThreads`): never on Swift concurrency's cooperative pool, nor on
/// Dispatch's pool, which on Linux is the same threads — a server's requests would wait for the
/// sweep to end.
public enum SweepRunner {
    /// Called from worker threads with (cells done, cells total).
    public typealias Progress = @Sendable (Int, Int) -> Void
    /// Asked by each worker before it takes the next cell; true stops the run between cells.
    public typealias StopCheck = @Sendable () -> Bool

    /// Runs `cells` and returns their results in the same order. With `shouldStop`, workers stop
    /// taking cells once it answers true: the result then holds only the cells that finished
    /// (still in `cells` order); without it every cell runs.
    public static func run(_ cells: [SweepCell], config: SweepConfig, data: SweepDataSet, jobs: Int,
                           progress: Progress? = nil, shouldStop: StopCheck? = nil) -> [CellResult] {
        guard !cells.isEmpty else { return [] }
        struct SliceKey: Hashable { let symbol: TradingSymbol; let window: SweepWindow }
        var slices: [SliceKey: [Bar]] = [:]
        for cell in cells {
            let key = SliceKey(symbol: cell.symbol, window: cell.window)
            if slices[key] == nil { slices[key] = data.bars(cell.symbol, in: cell.window) }
        }
        let shared = slices
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let results = Mutex<[CellResult?]>(Array(repeating: nil, count: cells.count))
        let workers = max(1, min(jobs, cells.count))
        WorkerThreads.run(count: workers) { _ in
            while true {
                if let shouldStop, shouldStop() { return }
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < cells.count else { return }
                let cell = cells[index]
                let bars = shared[SliceKey(symbol: cell.symbol, window: cell.window)] ?? []
                let result = CellResult.run(cell, config: config, timeframe: data.timeframe, bars: bars)
                results.withLock { $0[index] = result }
                let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                progress?(finished, cells.count)
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    /// `run` on a thread of its own, awaited without blocking the cooperative pool.
    public static func run(_ cells: [SweepCell], config: SweepConfig, data: SweepDataSet, jobs: Int,
                           progress: Progress? = nil, shouldStop: StopCheck? = nil) async -> [CellResult] {
        await WorkerThreads.value {
            run(cells, config: config, data: data, jobs: jobs, progress: progress, shouldStop: shouldStop)
        }
    }

    /// Estimated bytes one worker holds while running a cell of `bars` bars: the equity curve
    /// (8 bytes a bar) plus the broker's bookkeeping, rounded up to 32 bytes a bar.
    public static let bytesPerBarPerWorker = 32

    /// The worker count that keeps shared bars plus per-worker state within `budget` bytes, at
    /// most `requested`; throws when even one worker does not fit.
    public static func workers(requested: Int, data: SweepDataSet, cells: [SweepCell], budget: Int?) throws(SweepError) -> Int {
        let requested = max(1, requested)
        guard let budget else { return requested }
        let largest = cells.map { data.barCount($0.symbol, in: $0.window) }.max() ?? 0
        let perWorker = largest * bytesPerBarPerWorker
        // Slices of windows are copies; count them with the shared bars.
        let shared = data.sharedBytes * 2
        let fit = perWorker == 0 ? requested : (budget - shared) / perWorker
        guard fit >= 1 else {
            throw SweepError(kind: .config, code: "SWEEP_MEMORY_BUDGET",
                             message: "the memory budget (\(budget / 1_048_576) MiB) is below what one worker needs (\((shared + perWorker) / 1_048_576 + 1) MiB: the bars and one run)",
                             field: "--memory-budget")
        }
        return min(requested, fit)
    }
}
