import CZlib

/// zlib inflate for gzip members, used once per asset at start-up.
public enum Gzip {
    public struct InflateError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Inflates one gzip member. `expectedSize` sizes the output buffer; a mismatch is an error,
    /// because the build tool recorded the exact uncompressed size.
    public static func inflate(_ compressed: [UInt8], expectedSize: Int) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: expect a gzip wrapper.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InflateError(description: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(expectedSize, 1))
        var input = compressed
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expectedSize else {
            throw InflateError(description: "gzip data is corrupt or has the wrong size (status \(status), \(stream.total_out) of \(expectedSize) bytes)")
        }
        output.removeSubrange(expectedSize...)
        return output
    }
}
