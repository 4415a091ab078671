import TradingCore

/// Walk-forward fold arithmetic (all times epoch ms, windows `[start, end)`).
///
/// With the data covering `[T₀, T₁)` and a holdout of `H`, folds use `[T₀, E)` where `E = T₁ − H`
/// and the holdout is `[E, T₁)`. Fold `i = 0, 1, …` (while its test window ends at or before `E`):
/// - rolling:  train `[T₀ + i·step, T₀ + i·step + train)`, test `[train end, train end + test)`
/// - anchored: train `[T₀, T₀ + train + i·step)`,          test `[train end, train end + test)`
public struct WalkForwardFolds: Sendable, Hashable {
    public struct Fold: Sendable, Hashable {
        public let index: Int
        public let train: SweepWindow
        public let test: SweepWindow
    }

    public let folds: [Fold]
    public let holdout: SweepWindow?

    /// The folds of `settings` over `range`; throws (naming the field) when none fits.
    public init(_ settings: SweepConfig.WalkForward, range: SweepWindow, timeframe: Timeframe) throws(SweepError) {
        let train = settings.train.milliseconds(timeframe: timeframe)
        let test = settings.test.milliseconds(timeframe: timeframe)
        let step = settings.step.milliseconds(timeframe: timeframe)
        let holdoutLength = settings.holdout?.milliseconds(timeframe: timeframe) ?? 0
        let length = range.end - range.start
        func days(_ ms: Int64) -> String { SweepConfig.Span.text(ms) }
        guard holdoutLength < length else {
            throw SweepError.config("walk_forward.holdout", "the holdout (\(days(holdoutLength))) is not shorter than the data (\(days(length)), \(ISO8601Timestamp.string(fromMilliseconds: range.start)) to \(ISO8601Timestamp.string(fromMilliseconds: range.end)))")
        }
        let usableEnd = range.end - holdoutLength
        var folds: [Fold] = []
        var i: Int64 = 0
        while true {
            let trainWindow: SweepWindow
            switch settings.mode {
            case .rolling: trainWindow = SweepWindow(start: range.start + i * step, end: range.start + i * step + train)
            case .anchored: trainWindow = SweepWindow(start: range.start, end: range.start + train + i * step)
            }
            let testWindow = SweepWindow(start: trainWindow.end, end: trainWindow.end + test)
            guard testWindow.end <= usableEnd else { break }
            folds.append(Fold(index: Int(i), train: trainWindow, test: testWindow))
            i += 1
            if folds.count > 10_000 { break }
        }
        guard !folds.isEmpty else {
            throw SweepError.config("walk_forward", "no fold fits: train (\(days(train))) + test (\(days(test))) is longer than the \(days(usableEnd - range.start)) of data\(holdoutLength > 0 ? " before the holdout" : "") (\(ISO8601Timestamp.string(fromMilliseconds: range.start)) to \(ISO8601Timestamp.string(fromMilliseconds: usableEnd)))")
        }
        self.folds = folds
        holdout = holdoutLength > 0 ? SweepWindow(start: usableEnd, end: range.end) : nil
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "folds": .array(folds.map { .object(["fold": .int($0.index), "train": $0.train.json, "test": $0.test.json]) }),
        ]
        object["holdout"] = holdout.map { $0.json } ?? .null
        return .object(object)
    }
}
