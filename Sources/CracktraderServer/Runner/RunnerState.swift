/// Where the runner is in a run's life cycle. The raw values are the `status` strings of the API.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case idle
    case starting
    case running
    case stopping
    case stopped
    case completed
    case failed

    /// A run is in flight: a new run cannot start and reset is refused.
    public var isActive: Bool { self == .starting || self == .running || self == .stopping }
    /// The run ended (or none ever started): a new run may start.
    public var isTerminal: Bool { self == .stopped || self == .completed || self == .failed }
}

/// What can happen to the runner.
public enum RunEvent: String, Sendable, Hashable, CaseIterable {
    /// A start request was accepted (`idle`/`stopped`/`completed`/`failed` → `starting`).
    case start
    /// Data is loaded and the engine is running (`starting` → `running`).
    case began
    /// The engine processed every bar (`running`/`stopping` → `completed`).
    case complete
    /// Data loading, the engine or storage failed (`starting`/`running`/`stopping` → `failed`).
    case fail
    /// A stop request (`starting`/`running` → `stopping`).
    case stop
    /// The engine honoured a stop (`stopping` → `stopped`).
    case halted
    /// Back to `idle` (only from `idle` or an ended run).
    case reset
}

/// An illegal transition, with the API error it becomes.
public struct RunTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let from: RunStatus
    public let event: RunEvent

    public init(from: RunStatus, event: RunEvent) {
        self.from = from
        self.event = event
    }

    public var description: String { "cannot \(event.rawValue) while \(from.rawValue)" }
}

/// The runner's state machine: a plain value; `transition(_:)` returns the next state or throws.
///
/// | from \ event | start    | began   | complete  | fail   | stop     | halted  | reset |
/// |--------------|----------|---------|-----------|--------|----------|---------|-------|
/// | idle         | starting | –       | –         | –      | –        | –       | idle  |
/// | starting     | –        | running | –         | failed | stopping | –       | –     |
/// | running      | –        | –       | completed | failed | stopping | –       | –     |
/// | stopping     | –        | –       | completed | failed | –        | stopped | –     |
/// | stopped      | starting | –       | –         | –      | –        | –       | idle  |
/// | completed    | starting | –       | –         | –      | –        | –       | idle  |
/// | failed       | starting | –       | –         | –      | –        | –       | idle  |
public struct RunnerStateMachine: Sendable, Hashable {
    public private(set) var status: RunStatus

    public init(status: RunStatus = .idle) {
        self.status = status
    }

    /// The state after `event`, or `RunTransitionError` when the table has no entry.
    public func transition(_ event: RunEvent) throws(RunTransitionError) -> RunnerStateMachine {
        guard let next = Self.next(from: status, on: event) else {
            throw RunTransitionError(from: status, event: event)
        }
        return RunnerStateMachine(status: next)
    }

    /// The states `event` moves from, in `RunStatus` order (`.stop`: starting and running).
    public static func sources(of event: RunEvent) -> [RunStatus] {
        RunStatus.allCases.filter { next(from: $0, on: event) != nil }
    }

    /// The state `event` leads to (each event has one, whichever state it moves from).
    public static func target(of event: RunEvent) -> RunStatus {
        sources(of: event).compactMap { next(from: $0, on: event) }.first!
    }

    public static func next(from status: RunStatus, on event: RunEvent) -> RunStatus? {
        switch (status, event) {
        case (.idle, .start), (.stopped, .start), (.completed, .start), (.failed, .start): return .starting
        case (.starting, .began): return .running
        case (.running, .complete), (.stopping, .complete): return .completed
        case (.starting, .fail), (.running, .fail), (.stopping, .fail): return .failed
        case (.starting, .stop), (.running, .stop): return .stopping
        case (.stopping, .halted): return .stopped
        case (.idle, .reset), (.stopped, .reset), (.completed, .reset), (.failed, .reset): return .idle
        default: return nil
        }
    }
}
