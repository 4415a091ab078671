#if canImport(Glibc)
import Glibc
#endif
import TradingCore

/// `cracktrader backtest --json`: the results document of `GET /api/v1/results`, plus `stats`.
///
/// Built from the report's pre-encoded members (`BacktestReport.jsonMembers`), so the encoding
/// can be timed as part of the backtest and `stats` — which holds that time — added afterwards.
/// The bytes equal `JSONEncoder`'s with `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]`.
struct CLIResultsDocument {
    struct Stats {
        let bars_processed: Int
        let engine_seconds: Double
    }

    /// The report's members, in key order.
    let members: [BacktestReport.JSONMember]
    let stats: Stats?

    /// Every member, `stats` included, in key order.
    var allMembers: [BacktestReport.JSONMember] {
        guard let stats else { return members }
        var writer = JSONByteWriter(pretty: true, depth: 1)
        writer.beginObject()
        writer.key("bars_processed"); writer.int(stats.bars_processed)
        writer.key("engine_seconds"); writer.number(stats.engine_seconds)
        writer.endObject()
        var all = members
        let position = all.firstIndex { !$0.key.utf8.lexicographicallyPrecedes("stats".utf8) } ?? all.count
        all.insert(BacktestReport.JSONMember(key: "stats", value: writer.takeBytes()), at: position)
        return all
    }

    func jsonBytes() -> [UInt8] {
        BacktestReport.jsonObject(allMembers, pretty: true)
    }

    /// Writes the document and a newline to `descriptor`, member by member (no joined copy).
    func write(to descriptor: Int32) {
        BacktestReport.writeObject(allMembers, pretty: true) { writeAll($0, to: descriptor) }
        var newline: UInt8 = 10
        withUnsafeBytes(of: &newline) { writeAll($0, to: descriptor) }
    }
}

/// Writes every byte of `buffer` to `descriptor` (retrying short writes; stops on an error).
func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) {
    var offset = 0
    while offset < buffer.count {
        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written <= 0 { return }
        offset += written
    }
}
