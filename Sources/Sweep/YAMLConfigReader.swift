/// Reads the YAML a sweep config needs into `ConfigNode`s, with line numbers.
///
/// A deliberate subset, written here because the YAML libraries in reach import full Foundation
/// (and with it ICU), which the binary keeps out: block mappings and sequences by indentation
/// (spaces only), single-line flow collections (`[5, 10]`, `{from: 5, to: 20}`), plain, single-
/// and double-quoted scalars, `#` comments and a leading `---`. Not supported (an error says so):
/// anchors and aliases, tags, multi-line scalars (`|`, `>`), multi-line flow collections, tabs
/// for indentation, several documents.
enum YAMLConfigReader {
    struct Line {
        let number: Int
        let indent: Int
        let text: String
    }

    static func parse(_ bytes: [UInt8], file: String?) throws(SweepError) -> ConfigNode {
        guard let source = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self) else {
            throw SweepError.config(nil, "the config is not UTF-8 text", line: 1, file: file)
        }
        var lines: [Line] = []
        var number = 0
        for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var text = Substring(raw)
            if text.hasSuffix("\r") { text = text.dropLast() }
            let indent = text.prefix { $0 == " " }.count
            if text.dropFirst(indent).first == "\t" {
                throw SweepError.config(nil, "tabs cannot indent YAML; use spaces", line: number, file: file)
            }
            let content = stripComment(String(text.dropFirst(indent)))
            if content.isEmpty { continue }
            if content == "---" && lines.isEmpty { continue }
            if content == "---" || content == "..." {
                throw SweepError.config(nil, "one YAML document per config", line: number, file: file)
            }
            lines.append(Line(number: number, indent: indent, text: content))
        }
        var reader = YAMLBlockReader(lines: lines, file: file)
        guard !lines.isEmpty else { throw SweepError.config(nil, "the config is empty", line: 1, file: file) }
        let node = try reader.block(indent: lines[0].indent)
        if reader.position < lines.count {
            throw reader.fail("unexpected indentation", lines[reader.position].number)
        }
        return node
    }

    /// The line without a trailing `# comment` (a `#` at the start or after a space, outside quotes).
    static func stripComment(_ text: String) -> String {
        var quote: Character?
        var previous: Character = " "
        var result = ""
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                break
            }
            result.append(character)
            previous = character
        }
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}

struct YAMLBlockReader {
    let lines: [YAMLConfigReader.Line]
    let file: String?
    var position = 0

    func fail(_ message: String, _ line: Int) -> SweepError {
        SweepError.config(nil, "invalid YAML: \(message)", line: line, file: file)
    }

    mutating func block(indent: Int) throws(SweepError) -> ConfigNode {
        let line = lines[position]
        if line.text == "-" || line.text.hasPrefix("- ") { return try sequence(indent: indent) }
        if Self.splitKey(line.text) != nil { return try mapping(indent: indent) }
        position += 1
        return try YAMLInline.parse(line.text, line: line.number, file: file)
    }

    mutating func mapping(indent: Int) throws(SweepError) -> ConfigNode {
        let startLine = lines[position].number
        var members: [(key: String, node: ConfigNode)] = []
        while position < lines.count, lines[position].indent == indent {
            let line = lines[position]
            guard let (key, rest) = Self.splitKey(line.text) else {
                throw fail("expected 'key: value'", line.number)
            }
            if members.contains(where: { $0.key == key }) {
                throw SweepError.config(key, "duplicate key '\(key)'", line: line.number, file: file)
            }
            position += 1
            var node: ConfigNode
            if !rest.isEmpty {
                node = try YAMLInline.parse(rest, line: line.number, file: file)
            } else if position < lines.count, lines[position].indent > indent {
                node = try block(indent: lines[position].indent)
            } else if position < lines.count, lines[position].indent == indent, lines[position].text == "-" || lines[position].text.hasPrefix("- ") {
                node = try sequence(indent: indent)
            } else {
                node = ConfigNode(.null, line: line.number)
            }
            node.line = line.number
            members.append((key: key, node: node))
        }
        if position < lines.count, lines[position].indent > indent {
            throw fail("unexpected indentation", lines[position].number)
        }
        return ConfigNode(.object(members), line: startLine)
    }

    mutating func sequence(indent: Int) throws(SweepError) -> ConfigNode {
        let startLine = lines[position].number
        var items: [ConfigNode] = []
        while position < lines.count, lines[position].indent == indent, lines[position].text == "-" || lines[position].text.hasPrefix("- ") {
            let line = lines[position]
            let rest = String(line.text.dropFirst(1).drop { $0 == " " })
            if rest.isEmpty {
                position += 1
                guard position < lines.count, lines[position].indent > indent else {
                    items.append(ConfigNode(.null, line: line.number))
                    continue
                }
                items.append(try block(indent: lines[position].indent))
            } else if Self.splitKey(rest) != nil && !rest.hasPrefix("{") && !rest.hasPrefix("[") && !rest.hasPrefix("\"") && !rest.hasPrefix("'") {
                // "- key: value" opens a mapping whose keys line up with "key".
                let offset = line.text.count - rest.count
                var replaced = lines
                replaced[position] = YAMLConfigReader.Line(number: line.number, indent: indent + offset, text: rest)
                var nested = YAMLBlockReader(lines: replaced, file: file, position: position)
                items.append(try nested.mapping(indent: indent + offset))
                position = nested.position
            } else {
                position += 1
                items.append(try YAMLInline.parse(rest, line: line.number, file: file))
            }
        }
        return ConfigNode(.array(items), line: startLine)
    }

    /// `key: rest` (key plain or quoted), or nil when the line is not a mapping entry.
    static func splitKey(_ text: String) -> (String, String)? {
        var characters = Array(text)
        var key = ""
        var index = 0
        if let quote = characters.first, quote == "\"" || quote == "'" {
            index = 1
            while index < characters.count, characters[index] != quote { key.append(characters[index]); index += 1 }
            guard index < characters.count else { return nil }
            index += 1
            guard index < characters.count, characters[index] == ":" else { return nil }
        } else {
            if characters.first == "[" || characters.first == "{" { return nil }
            while index < characters.count {
                if characters[index] == ":" && (index + 1 == characters.count || characters[index + 1] == " ") { break }
                key.append(characters[index])
                index += 1
            }
            guard index < characters.count else { return nil }
            while key.last == " " { key.removeLast() }
            guard !key.isEmpty else { return nil }
        }
        characters = Array(characters[(index + 1)...])
        return (key, String(characters).trimmingSpaces)
    }
}

/// One-line YAML values: flow collections and scalars.
struct YAMLInline {
    let characters: [Character]
    let line: Int
    let file: String?
    var index = 0

    static func parse(_ text: String, line: Int, file: String?) throws(SweepError) -> ConfigNode {
        if text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") || text == "|" || text == ">" || text.hasPrefix("| ") || text.hasPrefix("> ") || text.hasPrefix("|-") || text.hasPrefix(">-") {
            throw SweepError.config(nil, "YAML anchors, aliases, tags and block scalars are not supported in sweep configs", line: line, file: file)
        }
        var parser = YAMLInline(characters: Array(text), line: line, file: file)
        let node = try parser.value(inFlow: false)
        parser.skipSpaces()
        guard parser.index == parser.characters.count else { throw parser.fail("unexpected text after the value") }
        return node
    }

    func fail(_ message: String) -> SweepError {
        SweepError.config(nil, "invalid YAML at column \(index + 1): \(message)", line: line, file: file)
    }

    mutating func skipSpaces() {
        while index < characters.count, characters[index] == " " { index += 1 }
    }

    mutating func value(inFlow: Bool) throws(SweepError) -> ConfigNode {
        skipSpaces()
        guard index < characters.count else { return ConfigNode(.null, line: line) }
        switch characters[index] {
        case "[":
            index += 1
            var items: [ConfigNode] = []
            skipSpaces()
            if index < characters.count, characters[index] == "]" { index += 1; return ConfigNode(.array(items), line: line) }
            while true {
                items.append(try value(inFlow: true))
                skipSpaces()
                guard index < characters.count else { throw fail("a flow sequence must close on the same line") }
                if characters[index] == "," { index += 1; continue }
                if characters[index] == "]" { index += 1; break }
                throw fail("expected ',' or ']'")
            }
            return ConfigNode(.array(items), line: line)
        case "{":
            index += 1
            var members: [(key: String, node: ConfigNode)] = []
            skipSpaces()
            if index < characters.count, characters[index] == "}" { index += 1; return ConfigNode(.object(members), line: line) }
            while true {
                skipSpaces()
                let keyNode = try scalar(inFlow: true, stopAtColon: true)
                guard case .string(let key) = keyNode.value else { throw fail("flow mapping keys must be text") }
                skipSpaces()
                guard index < characters.count, characters[index] == ":" else { throw fail("expected ':' after '\(key)'") }
                index += 1
                if members.contains(where: { $0.key == key }) {
                    throw SweepError.config(key, "duplicate key '\(key)'", line: line, file: file)
                }
                members.append((key: key, node: try value(inFlow: true)))
                skipSpaces()
                guard index < characters.count else { throw fail("a flow mapping must close on the same line") }
                if characters[index] == "," { index += 1; continue }
                if characters[index] == "}" { index += 1; break }
                throw fail("expected ',' or '}'")
            }
            return ConfigNode(.object(members), line: line)
        default:
            return try scalar(inFlow: inFlow, stopAtColon: false)
        }
    }

    mutating func scalar(inFlow: Bool, stopAtColon: Bool) throws(SweepError) -> ConfigNode {
        guard index < characters.count else { return ConfigNode(.null, line: line) }
        let quote = characters[index]
        if quote == "\"" {
            // JSON's escapes; hand the quoted text to the JSON string parser.
            var end = index + 1
            while end < characters.count, characters[end] != "\"" { end += characters[end] == "\\" ? 2 : 1 }
            guard end < characters.count else { throw fail("unterminated string") }
            let text = String(characters[index...end])
            index = end + 1
            guard case .string(let value) = try ConfigNode.parseJSON(Array(text.utf8), file: file).value else { throw fail("invalid string") }
            return ConfigNode(.string(value), line: line)
        }
        if quote == "'" {
            var value = ""
            index += 1
            while true {
                guard index < characters.count else { throw fail("unterminated string") }
                if characters[index] == "'" {
                    if index + 1 < characters.count, characters[index + 1] == "'" { value.append("'"); index += 2; continue }
                    index += 1
                    break
                }
                value.append(characters[index])
                index += 1
            }
            return ConfigNode(.string(value), line: line)
        }
        var text = ""
        while index < characters.count {
            let character = characters[index]
            if inFlow && (character == "," || character == "]" || character == "}") { break }
            if stopAtColon && character == ":" { break }
            text.append(character)
            index += 1
        }
        return ConfigNode(Self.plain(text.trimmingSpaces), line: line)
    }

    /// YAML 1.2 core schema for plain scalars.
    static func plain(_ text: String) -> ConfigNode.Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let value = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .int(value) }
        let numeric = text.allSatisfy { "0123456789.eE+-".contains($0) } && text.contains { $0.isNumber }
        if numeric, let value = Double(text), value.isFinite { return .double(value) }
        return .string(text)
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
