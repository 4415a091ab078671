import Foundation
import Storage
import TradingCore

/// A fresh temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cracktrader-storage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { path + "/" + Database.fileName }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with a fresh in-memory database, closed afterwards.
func withMemoryDatabase(_ body: (Database) async throws -> Void) async throws {
    let database = try await Database.openInMemory()
    do {
        try await body(database)
    } catch {
        await database.close()
        throw error
    }
    await database.close()
}

/// Runs `body` with a fresh file database in a temporary directory, closed and removed afterwards.
func withFileDatabase(_ body: (Database, TemporaryDirectory) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let database = try await Database.open(directory: DataDirectory(path: directory.path))
    do {
        try await body(database, directory)
    } catch {
        await database.close()
        throw error
    }
    await database.close()
}

let btc = try! TradingSymbol(parsing: "BTC/USDT")
let eth = try! TradingSymbol(parsing: "ETH/USDT")

let minute: Int64 = 60_000
let hour: Int64 = 3_600_000
let day: Int64 = 86_400_000

/// A consistent bar whose values derive from `index` (distinct per bar, non-round doubles).
func makeBar(_ openTime: Int64, _ index: Int, scale: Double = 1) -> Bar {
    let base = (100.0 + Double(index) * 0.1 + 1.0 / 3.0) * scale
    return Bar(openTime: openTime, open: base, high: base * 1.01 + 0.07, low: base * 0.99 - 0.03, close: base + 0.05, volume: Double(index) * 1.5 + 0.25)
}

/// Bars at `start, start + step, …` (count of them).
func makeSeries(start: Int64, step: Int64, count: Int, scale: Double = 1) -> [Bar] {
    (0..<count).map { makeBar(start + Int64($0) * step, $0, scale: scale) }
}

/// Bars at the given open times.
func makeBars(at openTimes: [Int64], scale: Double = 1) -> [Bar] {
    openTimes.enumerated().map { makeBar($0.element, $0.offset, scale: scale) }
}

/// True when both arrays hold the same bars with identical bit patterns.
func bitIdentical(_ a: [Bar], _ b: [Bar]) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy {
            $0.openTime == $1.openTime && $0.open.bitPattern == $1.open.bitPattern && $0.high.bitPattern == $1.high.bitPattern
                && $0.low.bitPattern == $1.low.bitPattern && $0.close.bitPattern == $1.close.bitPattern
                && $0.volume.bitPattern == $1.volume.bitPattern
        }
}

/// Milliseconds of 00:00 UTC on a civil date.
func utc(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
    var components = DateComponents()
    components.year = year
    components.month = month
    components.day = day
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return Int64(calendar.date(from: components)!.timeIntervalSince1970 * 1000)
}

/// Records the ranges a top-up asks for and answers with synthetic bars on the grid.
actor FetchRecorder {
    private(set) var calls: [Range<Int64>] = []
    let step: Int64
    var failOnCall: Int?

    init(step: Int64, failOnCall: Int? = nil) {
        self.step = step
        self.failOnCall = failOnCall
    }

    struct Failure: Error, Equatable {}

    func fetch(_ start: Int64, _ end: Int64) throws -> [Bar] {
        calls.append(start..<end)
        if let failOnCall, calls.count == failOnCall { throw Failure() }
        return stride(from: start, to: end, by: Int(step)).map { makeBar($0, Int(abs(($0 / step) % 1000)), scale: 2) }
    }
}
