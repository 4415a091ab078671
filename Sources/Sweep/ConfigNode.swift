/// A parsed config value that remembers the line it came from, so validation errors can say
/// `sweep.yaml:7: parameters.fast_period.step: must be positive`. JSON and YAML both parse to it.
public struct ConfigNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([ConfigNode])
        /// Members in file order (duplicate keys are rejected while parsing).
        case object([(key: String, node: ConfigNode)])

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.null, .null): true
            case (.bool(let a), .bool(let b)): a == b
            case (.int(let a), .int(let b)): a == b
            case (.double(let a), .double(let b)): a == b
            case (.string(let a), .string(let b)): a == b
            case (.array(let a), .array(let b)): a == b
            case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.node) == b.map(\.node)
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .null: hasher.combine(0)
            case .bool(let v): hasher.combine(v)
            case .int(let v): hasher.combine(v)
            case .double(let v): hasher.combine(v)
            case .string(let v): hasher.combine(v)
            case .array(let v): hasher.combine(v)
            case .object(let v): for (key, node) in v { hasher.combine(key); hasher.combine(node) }
            }
        }
    }

    public var value: Value
    /// 1-based line where the value starts (0 when unknown).
    public var line: Int

    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }

    /// The member called `key` of an object node.
    public subscript(key: String) -> ConfigNode? {
        if case .object(let members) = value { return members.first { $0.key == key }?.node }
        return nil
    }

    /// The node without line numbers.
    public var json: JSONValue {
        switch value {
        case .null: .null
        case .bool(let v): .bool(v)
        case .int(let v): .int(v)
        case .double(let v): .double(v)
        case .string(let v): .string(v)
        case .array(let v): .array(v.map(\.json))
        case .object(let v): .object(Dictionary(v.map { ($0.key, $0.node.json) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// A node tree from a JSON value (line 0: no file behind it), members in sorted order.
    public init(json: JSONValue) {
        switch json {
        case .null: self.init(.null, line: 0)
        case .bool(let v): self.init(.bool(v), line: 0)
        case .int(let v): self.init(.int(v), line: 0)
        case .double(let v): self.init(.double(v), line: 0)
        case .string(let v): self.init(.string(v), line: 0)
        case .array(let v): self.init(.array(v.map { ConfigNode(json: $0) }), line: 0)
        case .object(let v): self.init(.object(JSONValue.sortedKeys(v).map { (key: $0, node: ConfigNode(json: v[$0]!)) }), line: 0)
        }
    }

    // MARK: JSON

    /// Parses JSON (RFC 8259), keeping each value's line. Errors name the line and column.
    public static func parseJSON(_ bytes: [UInt8], file: String?) throws(SweepError) -> ConfigNode {
        var parser = JSONParser(bytes: bytes, file: file)
        parser.skipWhitespace()
        let node = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
        return node
    }
}

/// A small recursive-descent JSON parser that counts lines.
struct JSONParser {
    let bytes: [UInt8]
    let file: String?
    var index = 0
    var line = 1
    var lineStart = 0

    init(bytes: [UInt8], file: String?) {
        self.bytes = bytes
        self.file = file
        // A UTF-8 byte order mark is allowed and ignored.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
    }

    func fail(_ message: String) -> SweepError {
        SweepError.config(nil, "invalid JSON at column \(index - lineStart + 1): \(message)", line: line, file: file)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(SweepError) -> ConfigNode {
        guard depth < 200 else { throw fail("nested too deeply") }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, node: ConfigNode)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return ConfigNode(.object(members), line: startLine)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let keyLine = line
                let key = try parseString()
                if members.contains(where: { $0.key == key }) {
                    throw SweepError.config(key, "duplicate key '\(key)'", line: keyLine, file: file)
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after key '\(key)'") }
                index += 1
                skipWhitespace()
                var node = try parseValue(depth: depth + 1)
                // Errors about a member point at its key's line.
                node.line = keyLine
                members.append((key: key, node: node))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input in an object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw fail("expected ',' or '}'")
            }
            return ConfigNode(.object(members), line: startLine)
        case UInt8(ascii: "["):
            index += 1
            var values: [ConfigNode] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return ConfigNode(.array(values), line: startLine)
            }
            while true {
                skipWhitespace()
                values.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input in an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw fail("expected ',' or ']'")
            }
            return ConfigNode(.array(values), line: startLine)
        case UInt8(ascii: "\""):
            return ConfigNode(.string(try parseString()), line: startLine)
        case UInt8(ascii: "t"):
            try expectWord("true")
            return ConfigNode(.bool(true), line: startLine)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return ConfigNode(.bool(false), line: startLine)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return ConfigNode(.null, line: startLine)
        default:
            return ConfigNode(try parseNumber(), line: startLine)
        }
    }

    mutating func expectWord(_ word: String) throws(SweepError) {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
            throw fail("unexpected character")
        }
        index += utf8.count
    }

    mutating func parseNumber() throws(SweepError) -> ConfigNode.Value {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, text != "-" else { throw fail("unexpected character") }
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw fail("'\(text)' is not a number") }
        return .double(value)
    }

    mutating func parseString() throws(SweepError) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw fail("unterminated string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail("invalid escape")
                }
            case 0x0A:
                throw fail("line break inside a string")
            default:
                out.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(SweepError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }
}
