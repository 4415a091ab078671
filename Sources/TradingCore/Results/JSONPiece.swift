/// A run of bytes a `JSONByteWriter` wrote, handed over without copying: a 20 MB order list is
/// written to its destination from the writer's own storage, and two halves written on two
/// threads are joined by trimming each piece's ends instead of copying them into one array.
public struct JSONPiece: Sendable {
    private let storage: JSONByteBuffer
    /// The bytes of `storage` that belong to this piece.
    let range: Range<Int>

    init(_ storage: JSONByteBuffer) {
        self.storage = storage
        range = 0..<storage.count
    }

    private init(storage: JSONByteBuffer, range: Range<Int>) {
        self.storage = storage
        self.range = range
    }

    /// A piece holding a copy of `bytes`.
    public init(copying bytes: [UInt8]) {
        let storage = JSONByteBuffer(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { storage.append($0) }
        self.init(storage)
    }

    public var count: Int { range.count }

    /// The same bytes without the first `leading` and the last `trailing` ones.
    func trimmed(leading: Int, trailing: Int) -> JSONPiece {
        JSONPiece(storage: storage, range: (range.lowerBound + leading)..<(range.upperBound - trailing))
    }

    /// The bytes, for the duration of `body`.
    public func withBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
        storage.withBytes(in: range, body)
    }

    /// A copy of the bytes.
    public var bytes: [UInt8] {
        var copy: [UInt8] = []
        withBytes { copy = Array($0) }
        return copy
    }
}
