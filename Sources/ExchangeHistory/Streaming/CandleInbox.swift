import Synchronization
import TradingCore

/// Where a ``CandleStreamClient`` leaves closed candles and its connection state for the feed
/// that reads them; the feed can wait (with a timeout) for either to change.
final class CandleInbox: Sendable {
    private struct State {
        var bars: [Bar] = []
        var connected = false
        var connections = 0
        var version: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// What the feed reads in one go.
    struct Snapshot {
        var bars: [Bar]
        var connected: Bool
        var version: UInt64
    }

    func push(_ bars: [Bar]) {
        guard !bars.isEmpty else { return }
        change { $0.bars.append(contentsOf: bars) }
    }

    func setConnected(_ connected: Bool) {
        change { state in
            if connected, !state.connected { state.connections += 1 }
            state.connected = connected
        }
    }

    /// How many times the stream has become live (subscribed).
    var connections: Int { state.withLock { $0.connections } }

    /// Takes the candles left so far, with the connection state.
    func take() -> Snapshot {
        state.withLock { state in
            defer { state.bars = [] }
            return Snapshot(bars: state.bars, connected: state.connected, version: state.version)
        }
    }

    /// Returns once something changed after `version`, or after `timeout`, or on cancellation.
    func wait(after version: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.changed(after: version) }
            await group.next()
            group.cancelAll()
        }
    }

    private func changed(after version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.version != version || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func change(_ body: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            body(&state)
            state.version += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}
