import CracktraderServer
import Testing

@Suite("Runner state machine")
struct RunnerStateTests {
    /// The documented table (docs/api.md): every legal transition; everything else is illegal.
    static let legal: [RunStatus: [RunEvent: RunStatus]] = [
        .idle: [.start: .starting, .reset: .idle],
        .starting: [.began: .running, .fail: .failed, .stop: .stopping],
        .running: [.complete: .completed, .fail: .failed, .stop: .stopping],
        .stopping: [.complete: .completed, .fail: .failed, .halted: .stopped],
        .stopped: [.start: .starting, .reset: .idle],
        .completed: [.start: .starting, .reset: .idle],
        .failed: [.start: .starting, .reset: .idle],
    ]

    @Test("every (state, event) pair: legal ones move as documented, illegal ones throw", arguments: RunStatus.allCases)
    func everyTransition(from status: RunStatus) throws {
        let machine = RunnerStateMachine(status: status)
        for event in RunEvent.allCases {
            if let expected = Self.legal[status]?[event] {
                let next = try machine.transition(event)
                #expect(next.status == expected, "\(status) --\(event)--> \(next.status), expected \(expected)")
            } else {
                #expect(throws: RunTransitionError(from: status, event: event)) { try machine.transition(event) }
            }
        }
    }

    @Test("the table has 17 legal transitions and 32 illegal ones")
    func counts() {
        var legal = 0, illegal = 0
        for status in RunStatus.allCases {
            for event in RunEvent.allCases {
                if RunnerStateMachine.next(from: status, on: event) != nil { legal += 1 } else { illegal += 1 }
            }
        }
        #expect(legal == 17)
        #expect(illegal == 32)
    }

    @Test("the states each event moves from (what a row must be in for the event's write to apply)")
    func sources() {
        #expect(RunnerStateMachine.sources(of: .began) == [.starting])
        #expect(RunnerStateMachine.sources(of: .stop) == [.starting, .running])
        #expect(RunnerStateMachine.sources(of: .halted) == [.stopping])
        #expect(RunnerStateMachine.sources(of: .start) == [.idle, .stopped, .completed, .failed])
        for event in RunEvent.allCases {
            let sources = RunStatus.allCases.filter { Self.legal[$0]?[event] != nil }
            #expect(RunnerStateMachine.sources(of: event) == sources)
            // One target per event, whichever state it moves from.
            #expect(Set(sources.compactMap { Self.legal[$0]?[event] }) == [RunnerStateMachine.target(of: event)])
        }
        #expect(RunnerStateMachine.target(of: .began) == .running)
        #expect(RunnerStateMachine.target(of: .stop) == .stopping)
    }

    @Test("happy paths: complete, fail, stop, reset")
    func paths() throws {
        var machine = RunnerStateMachine()
        for event: RunEvent in [.start, .began, .complete, .reset] { machine = try machine.transition(event) }
        #expect(machine.status == .idle)
        for event: RunEvent in [.start, .began, .stop, .halted] { machine = try machine.transition(event) }
        #expect(machine.status == .stopped)
        for event: RunEvent in [.start, .fail] { machine = try machine.transition(event) }
        #expect(machine.status == .failed)
    }

    @Test("active and terminal states")
    func classification() {
        #expect(RunStatus.allCases.filter(\.isActive) == [.starting, .running, .stopping])
        #expect(RunStatus.allCases.filter(\.isTerminal) == [.stopped, .completed, .failed])
        #expect(RunStatus.allCases.map(\.rawValue) == ["idle", "starting", "running", "stopping", "stopped", "completed", "failed"])
    }

    @Test("the error names the state and the event")
    func errorText() {
        #expect(RunTransitionError(from: .running, event: .reset).description == "cannot reset while running")
    }
}
