import Logging
import Storage

extension RunController {
    /// How often, and how many times, a terminal status the database refused is written again.
    static let terminalStatusRetryInterval: Duration = .seconds(2)
    static let terminalStatusRetries = 300

    /// Records a run's `began` (→ `running`) or `stop` (→ `stopping`) on its row, only while the
    /// row is still in a state the event moves from: the run task and a stop request write
    /// concurrently, and a write overtaken by a later one (the stop's `stopping` after the run
    /// saved itself `stopped`) must change nothing. Best effort: a start-up marks a row left
    /// unfinished interrupted anyway.
    func persistTransition(id: String, _ event: RunEvent) async {
        _ = try? await database.runs.advanceStatus(
            id: id, to: RunnerStateMachine.target(of: event).rawValue, from: RunnerStateMachine.sources(of: event).map(\.rawValue))
    }

    /// Records a finished run's terminal status. When the database cannot take writes (a full
    /// disk, a read-only file) the write is retried in the background every 2 s for up to 10 min,
    /// so the stored history says `failed`/`stopped`/`completed` as soon as space returns, without
    /// a restart (and a restart marks the run interrupted anyway).
    func persistTerminalStatus(id: String, status: String, endedAt: Int64, error: String?) async {
        do {
            try await database.runs.updateStatus(id: id, status: status, endedAt: endedAt, error: error)
        } catch let failure as StorageError where failure.isUnavailable {
            logger.warning("run status not recorded yet; retrying while storage is unavailable", metadata: ["run_id": "\(id)", "error": "\(failure)"])
            let runs = database.runs
            let logger = self.logger
            Task.detached {
                for _ in 0..<Self.terminalStatusRetries {
                    do { try await Task.sleep(for: Self.terminalStatusRetryInterval) } catch { return }
                    do {
                        try await runs.updateStatus(id: id, status: status, endedAt: endedAt, error: error)
                        logger.notice("run status recorded after storage recovered", metadata: ["run_id": "\(id)", "status": "\(status)"])
                        return
                    } catch let failure as StorageError where failure.isUnavailable {
                        continue
                    } catch {
                        logger.error("could not record run status", metadata: ["run_id": "\(id)", "error": "\(error)"])
                        return
                    }
                }
            }
        } catch {
            logger.error("could not record run status", metadata: ["run_id": "\(id)", "error": "\(error)"])
        }
    }
}
