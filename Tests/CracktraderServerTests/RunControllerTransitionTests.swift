@testable import CracktraderServer
import DataAccess
import Logging
import Storage
import Testing

/// The run task and a stop request write a run's row concurrently; `persistTransition` must apply
/// an event's write only while the row is in a state that event moves from (the state machine's
/// table), so a late write never moves a stored run backwards.
@Suite("RunController.persistTransition: a run's stored status only moves forward")
struct RunControllerTransitionTests {
    static func controller(on database: Database) -> RunController {
        RunController(
            database: database, resolver: DataResolver(store: nil), hub: StatusHub(), metrics: ServerMetrics(),
            options: RunnerOptions(now: { 1_000 }), logger: Logger(label: "test"))
    }

    @Test("began and stop, applied to a row in every status: only a legal transition changes it", arguments: [RunEvent.began, .stop])
    func everyStoredStatus(event: RunEvent) async throws {
        let database = try await Database.openInMemory()
        let controller = Self.controller(on: database)
        for stored in RunStatus.allCases {
            let id = "\(event)-\(stored.rawValue)"
            try await database.runs.insertRun(
                RunRecord(id: id, mode: "paper", strategyName: "BuyAndHold", status: stored.rawValue, configJSON: "{}", createdAt: 1))
            await controller.persistTransition(id: id, event)
            let expected = RunnerStateMachine.next(from: stored, on: event) ?? stored
            #expect(try await database.runs.run(id: id)?.status == expected.rawValue, "\(stored) --\(event)-->")
        }
        await database.close()
    }

    @Test("the race behind a stuck `stopping`: the run saved itself stopped before the stop's write arrived")
    func lateStopAfterStopped() async throws {
        let database = try await Database.openInMemory()
        let controller = Self.controller(on: database)
        try await database.runs.insertRun(
            RunRecord(id: "r", mode: "paper", strategyName: "BuyAndHold", status: "starting", configJSON: "{}", createdAt: 1))
        await controller.persistTransition(id: "r", .began)
        #expect(try await database.runs.run(id: "r")?.status == "running")
        try await database.runs.updateStatus(id: "r", status: "stopped", endedAt: 2_000)
        await controller.persistTransition(id: "r", .stop)
        let row = try #require(try await database.runs.run(id: "r"))
        #expect(row.status == "stopped")
        #expect(row.endedAt == 2_000)
        // A missing row is not created by a transition.
        await controller.persistTransition(id: "gone", .stop)
        #expect(try await database.runs.run(id: "gone") == nil)
        await database.close()
    }
}
