/// A candle period. Exactly the set of the v1 contract: `1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M`.
///
/// `1M` is one calendar month; every other timeframe has a fixed length (`milliseconds`).
public enum Timeframe: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case oneSecond = "1s"
    case oneMinute = "1m"
    case threeMinutes = "3m"
    case fiveMinutes = "5m"
    case fifteenMinutes = "15m"
    case thirtyMinutes = "30m"
    case oneHour = "1h"
    case twoHours = "2h"
    case fourHours = "4h"
    case sixHours = "6h"
    case eightHours = "8h"
    case twelveHours = "12h"
    case oneDay = "1d"
    case threeDays = "3d"
    case oneWeek = "1w"
    case oneMonth = "1M"

    /// Parses the exact contract spelling (case-sensitive: `1m` is a minute, `1M` a month).
    public init(parsing text: String) throws(TradingError) {
        guard let value = Timeframe(rawValue: text) else {
            throw TradingError.invalidTimeframe(text)
        }
        self = value
    }

    public var description: String { rawValue }

    /// Nominal length in milliseconds. For `1M` this is 30 days, used only for
    /// annualisation and progress estimates; bar alignment uses calendar months.
    public var milliseconds: Int64 {
        switch self {
        case .oneSecond: 1_000
        case .oneMinute: 60_000
        case .threeMinutes: 180_000
        case .fiveMinutes: 300_000
        case .fifteenMinutes: 900_000
        case .thirtyMinutes: 1_800_000
        case .oneHour: 3_600_000
        case .twoHours: 7_200_000
        case .fourHours: 14_400_000
        case .sixHours: 21_600_000
        case .eightHours: 28_800_000
        case .twelveHours: 43_200_000
        case .oneDay: 86_400_000
        case .threeDays: 259_200_000
        case .oneWeek: 604_800_000
        case .oneMonth: 2_592_000_000
        }
    }

    /// Bars per 365-day year, used to annualise Sharpe and Sortino. `1M` counts 12 per year.
    public var periodsPerYear: Double {
        if self == .oneMonth { return 12 }
        return 365.0 * 86_400_000.0 / Double(milliseconds)
    }
}
