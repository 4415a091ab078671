import Synchronization

/// Hands out Kraken nonces and lets one signed request be in flight at a time.
///
/// Kraken refuses a nonce not greater than the last one it accepted for the key
/// (`EAPI:Invalid nonce`). Increasing nonces are not enough on their own: two concurrent requests
/// can overtake each other on the wire and the later nonce arrive first. So a private call takes
/// the turn, draws its nonce and keeps the turn until its answer (or timeout) is in; turns are
/// granted in arrival order.
///
/// Nonces are milliseconds since the epoch (Kraken's recommendation), bumped by one when two calls
/// fall in the same millisecond. ``resync()`` moves to microseconds — a thousand times larger —
/// for when another client of the same key has pushed Kraken's last nonce beyond the clock.
final class KrakenNonceSequencer: Sendable {
    private struct State {
        var last: UInt64 = 0
        var microseconds = false
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> UInt64

    /// `clock` answers milliseconds since the epoch.
    init(clock: @escaping @Sendable () -> UInt64) {
        self.clock = clock
    }

    /// The next nonce, strictly greater than every one handed out before.
    func next() -> UInt64 {
        state.withLock { state in
            let now = clock() &* (state.microseconds ? 1000 : 1)
            state.last = max(now, state.last + 1)
            return state.last
        }
    }

    /// After `EAPI:Invalid nonce`: switch to microsecond nonces (once; later calls change nothing).
    func resync() {
        state.withLock { $0.microseconds = true }
    }

    /// Runs `body` when it is this caller's turn; nobody else's signed request is in flight meanwhile.
    func withTurn<Value>(_ body: () async throws(ExecutionError) -> Value) async throws(ExecutionError) -> Value {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
