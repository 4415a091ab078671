import Synchronization

/// Runs submitted jobs one at a time, in order, on a thread of its own (`WorkerThreads`): a
/// serial queue for work that is long or that blocks — the engine, whose journal writes wait for
/// the database — without holding a thread of the pool Swift concurrency and Dispatch share on
/// Linux (two threads on two cores: one blocked engine job there leaves the server's requests a
/// single thread, and any other busy one none).
///
/// The thread is started when a job arrives and ends when the queue is empty, so an idle queue
/// holds no thread.
public final class SerialWorkerThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var running = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Queues `job` after every job submitted before it.
    public func async(_ job: @escaping @Sendable () -> Void) {
        let start = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start { WorkerThreads.start { [self] in drain() } }
    }

    private func drain() {
        while let job = state.withLock({ state -> (@Sendable () -> Void)? in
            // Usually one or two jobs wait: taking from the front is cheap.
            guard !state.jobs.isEmpty else {
                state.running = false
                return nil
            }
            return state.jobs.removeFirst()
        }) {
            job()
        }
    }
}
