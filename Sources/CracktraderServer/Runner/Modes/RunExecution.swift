/// How one mode runs. `RunController` owns the lifecycle (state machine, `/status`, the
/// WebSocket, the run record); a `RunExecution` does the mode's work and reports through it:
/// `began` when its first bar can be processed, `progress`/`paperStep` as it goes, then exactly
/// one of `complete` or `finishWithoutResults`.
///
/// - ``BacktestRun``: history, the simulated broker, results saved at the end.
/// - ``PaperRun``: live bars, the simulated broker, orders and fills journaled as they happen.
/// - ``VenueRun``: live bars, orders sent to a venue (sandbox or live), fills from the venue.
protocol RunExecution: Sendable {
    func execute() async
}

/// A run that cannot execute (an internal inconsistency): it fails with the reason.
struct FailedStart: RunExecution {
    let controller: RunController
    let id: String
    let reason: String

    func execute() async {
        await controller.finishWithoutResults(id: id, event: .fail, error: reason)
    }
}
