import TradingCore

/// What one paper bar produced, read off the session on the engine queue.
struct PaperTick: Sendable {
    let step: PaperSession.Step
    let barsProcessed: Int
    let positions: [PositionRecord]
    let closedTrades: Int
}

/// A paper session shared between the run task and the engine queue. Only touched on the
/// (serial) engine queue, one closure at a time, while the run task awaits it.
final class PaperBox: @unchecked Sendable {
    var session: PaperSession

    init(_ session: PaperSession) {
        self.session = session
    }
}
