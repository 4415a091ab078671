import NIOCore
import TradingCore

/// Fixed-width little-endian packing of candles and equity points into BLOBs.
///
/// Doubles are stored as their IEEE-754 bit patterns, so every value (including the sign of zero
/// and NaN payloads) round-trips bit for bit.
enum PackedCodec {
    /// open_time Int64, then open, high, low, close, volume as Float64 bit patterns.
    static let barStride = 48
    /// timestamp Int64, then value, cash, pnl as Float64 bit patterns.
    static let equityStride = 32

    static func encode(bars: ArraySlice<Bar>) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bars.count * barStride)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bars.count * barStride) { raw in
            var offset = 0
            for bar in bars {
                raw.storeBytes(of: UInt64(bitPattern: bar.openTime).littleEndian, toByteOffset: offset, as: UInt64.self)
                raw.storeBytes(of: bar.open.bitPattern.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
                raw.storeBytes(of: bar.high.bitPattern.littleEndian, toByteOffset: offset + 16, as: UInt64.self)
                raw.storeBytes(of: bar.low.bitPattern.littleEndian, toByteOffset: offset + 24, as: UInt64.self)
                raw.storeBytes(of: bar.close.bitPattern.littleEndian, toByteOffset: offset + 32, as: UInt64.self)
                raw.storeBytes(of: bar.volume.bitPattern.littleEndian, toByteOffset: offset + 40, as: UInt64.self)
                offset += barStride
            }
            return offset
        }
        return buffer
    }

    /// Appends the bars of a packed chunk whose open time lies in `[from, to)` to `output`.
    static func decodeBars(_ buffer: ByteBuffer, from: Int64, to: Int64, into output: inout [Bar]) throws {
        guard buffer.readableBytes % barStride == 0 else {
            throw StorageError("corrupt candle chunk: \(buffer.readableBytes) bytes is not a multiple of \(barStride)", kind: .sqlite)
        }
        buffer.withUnsafeReadableBytes { raw in
            let count = raw.count / barStride
            var offset = 0
            for _ in 0..<count {
                let openTime = Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                if openTime >= from && openTime < to {
                    output.append(Bar(
                        openTime: openTime,
                        open: double(raw, offset + 8),
                        high: double(raw, offset + 16),
                        low: double(raw, offset + 24),
                        close: double(raw, offset + 32),
                        volume: double(raw, offset + 40)))
                }
                offset += barStride
            }
        }
    }

    /// The open times of a packed chunk, in stored (ascending) order.
    static func decodeOpenTimes(_ buffer: ByteBuffer) -> [Int64] {
        buffer.withUnsafeReadableBytes { raw in
            (0..<(raw.count / barStride)).map {
                Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * barStride, as: UInt64.self)))
            }
        }
    }

    static func encode(equity: [EquitySample]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: equity.count * equityStride)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: equity.count * equityStride) { raw in
            var offset = 0
            for point in equity {
                raw.storeBytes(of: UInt64(bitPattern: point.timestamp).littleEndian, toByteOffset: offset, as: UInt64.self)
                raw.storeBytes(of: point.value.bitPattern.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
                raw.storeBytes(of: point.cash.bitPattern.littleEndian, toByteOffset: offset + 16, as: UInt64.self)
                raw.storeBytes(of: point.pnl.bitPattern.littleEndian, toByteOffset: offset + 24, as: UInt64.self)
                offset += equityStride
            }
            return offset
        }
        return buffer
    }

    static func decodeEquity(_ buffer: ByteBuffer) throws -> [EquitySample] {
        guard buffer.readableBytes % equityStride == 0 else {
            throw StorageError("corrupt equity curve: \(buffer.readableBytes) bytes is not a multiple of \(equityStride)", kind: .sqlite)
        }
        return buffer.withUnsafeReadableBytes { raw in
            let count = raw.count / equityStride
            return [EquitySample](unsafeUninitializedCapacity: count) { output, initialized in
                var offset = 0
                for index in 0..<count {
                    (output.baseAddress! + index).initialize(to: EquitySample(
                        timestamp: Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))),
                        value: double(raw, offset + 8),
                        cash: double(raw, offset + 16),
                        pnl: double(raw, offset + 24)))
                    offset += equityStride
                }
                initialized = count
            }
        }
    }

    @inline(__always)
    private static func double(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Double {
        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }
}
