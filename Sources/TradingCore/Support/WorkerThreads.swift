#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads of their own for long CPU-bound work (sweep cells, large CSV files, run ids).
///
/// Not Dispatch's worker pool: on Linux, Swift concurrency's global executor runs on that same
/// pool, whose width is the core count, so work that keeps every pool thread busy (a sweep on
/// all cores) leaves no thread for the server's request tasks until it ends. Threads made here
/// are scheduled by the kernel next to everything else.
public enum WorkerThreads {
    /// Runs `body(0)`, `body(1)`, … `body(count - 1)`, each on a new thread (the last on the
    /// calling thread), and returns when all have returned.
    public static func run(count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        // Every thread is joined below, before `body` goes out of scope.
        withoutActuallyEscaping(body) { shared in
            var threads: [pthread_t] = []
            threads.reserveCapacity(count - 1)
            for index in 0..<(count - 1) {
                if let thread = spawn({ shared(index) }) {
                    threads.append(thread)
                } else {
                    shared(index)  // no thread to be had: do it here
                }
            }
            shared(count - 1)
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// Starts `body` on a new detached thread (or runs it here when no thread can be made).
    public static func start(_ body: @escaping @Sendable () -> Void) {
        if !tryStart(body) { body() }
    }

    /// Starts `body` on a new detached thread; false (and `body` not run) when no thread can be made.
    public static func tryStart(_ body: @escaping @Sendable () -> Void) -> Bool {
        guard let thread = spawn(body) else { return false }
        pthread_detach(thread)
        return true
    }

    /// `body`'s value, computed on a new thread while the caller's task is suspended (so no
    /// thread of the cooperative pool is held).
    public static func value<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            start { continuation.resume(returning: body()) }
        }
    }

    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// A joinable thread running `body`, or nil when the system refuses one.
    private static func spawn(_ body: @escaping () -> Void) -> pthread_t? {
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, job)
        guard status == 0 else {
            Unmanaged<Job>.fromOpaque(job).release()
            return nil
        }
        return thread
    }
}
