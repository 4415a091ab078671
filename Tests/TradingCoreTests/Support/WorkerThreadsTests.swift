import Synchronization
import Testing
import TradingCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("Worker threads and the serial worker thread")
struct WorkerThreadsTests {
    @Test("run calls every index once, on distinct threads, and returns after all of them")
    func runJoins() {
        let seen = Mutex<[Int: pthread_t]>([:])
        WorkerThreads.run(count: 4) { index in
            usleep(20_000)  // the caller must still wait for the slowest
            seen.withLock { $0[index] = pthread_self() }
        }
        let threads = seen.withLock { $0 }
        #expect(threads.keys.sorted() == [0, 1, 2, 3])
        #expect(Set(threads.values).count == 4)
        #expect(threads[3] == pthread_self())  // the last index runs on the caller's thread
        var ran = false
        WorkerThreads.run(count: 1) { _ in ran = true }
        #expect(ran)
        WorkerThreads.run(count: 0) { _ in Issue.record("no index to run") }
    }

    @Test("value computes on another thread and hands the result back")
    func value() async {
        let caller = pthread_self()
        let other = await WorkerThreads.value { pthread_self() }
        #expect(other != caller)
    }

    @Test("jobs run one at a time in submission order, thousands queued at once and after the queue drains")
    func serialOrder() async {
        final class Probe: Sendable {
            let log = Mutex<[Int]>([])
            let running = Atomic<Int>(0)
            let overlapped = Atomic<Bool>(false)
        }
        let queue = SerialWorkerThread()
        let probe = Probe()
        for index in 0..<3_000 {
            queue.async {
                if probe.running.wrappingAdd(1, ordering: .relaxed).newValue > 1 { probe.overlapped.store(true, ordering: .relaxed) }
                probe.log.withLock { $0.append(index) }
                probe.running.wrappingSubtract(1, ordering: .relaxed)
            }
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
        #expect(probe.log.withLock { $0 } == Array(0..<3_000))
        let overlapped = probe.overlapped.load(ordering: .relaxed)
        #expect(!overlapped)
        // Idle now (its thread has ended); a new job starts it again.
        usleep(10_000)
        let again = await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in queue.async { done.resume(returning: 42) } }
        #expect(again == 42)
    }
}
