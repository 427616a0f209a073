import CConnectorHostJSON

extension JSONValue {
    /// Parses JSON bytes (RFC 8259, UTF-8) in one pass over them, without
    /// `Codable`: every declarative answer and every custom reply that crosses
    /// a sandbox is parsed here, and Foundation's decoder, trying each type of
    /// value in turn, cost more than the rest of such a call.
    ///
    /// A number is an ``integer(_:)`` when its value is a whole number that
    /// fits in 64 bits (`1`, `1.0` and `1e2` alike), otherwise a ``number(_:)``;
    /// one that no `Double` holds is rejected. Of repeated keys in an object,
    /// the first is kept. Nesting deeper than `JSONValidator.maximumDepth` is
    /// rejected rather than risked.
    ///
    /// - Throws: `invalid_request` when they are not JSON.
    public init(parsing bytes: [UInt8]) throws(ConnectorHostError) {
        let parsed = bytes.withUnsafeBufferPointer { buffer -> JSONValue? in
            var parser = JSONParser(bytes: buffer)
            return parser.document()
        }
        guard let parsed else { throw ConnectorHostError(.invalidRequest, "not valid JSON (\(bytes.count) bytes)") }
        self = parsed
    }
}

/// A recursive-descent JSON parser over bytes; nil from any method means the
/// bytes are not JSON.
private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    mutating func document() -> JSONValue? {
        skipWhitespace()
        guard let value = value() else { return nil }
        skipWhitespace()
        // Not a ternary: with JSONValue's nil literal, `: nil` would be `.null`.
        guard position == bytes.count else { return nil }
        return value
    }

    mutating func value() -> JSONValue? {
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return word("true", .bool(true))
        case UInt8(ascii: "f"): return word("false", .bool(false))
        case UInt8(ascii: "n"): return word("null", .null)
        default: return number()
        }
    }

    mutating func object() -> JSONValue? {
        guard enter() else { return nil }
        defer { depth -= 1 }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let member = value() else { return nil }
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return .object(members) }
            guard take(UInt8(ascii: ",")) else { return nil }
        }
    }

    mutating func array() -> JSONValue? {
        guard enter() else { return nil }
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            skipWhitespace()
            guard let element = value() else { return nil }
            elements.append(element)
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return .array(elements) }
            guard take(UInt8(ascii: ",")) else { return nil }
        }
    }

    mutating func enter() -> Bool {
        depth += 1
        return depth <= JSONValidator.maximumDepth
    }

    /// A string from its opening quote; plain ASCII is taken as it is, the
    /// rest unescaped and checked to be UTF-8.
    mutating func string() -> String? {
        position += 1
        let start = position
        let plain = CConnectorHostJSON_plain_prefix(bytes.baseAddress.map { $0 + start }, bytes.count - start)
        if start + plain < bytes.count, bytes[start + plain] == UInt8(ascii: "\"") {
            position = start + plain + 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<start + plain]), as: UTF8.self)
        }
        var unescaped = Array(bytes[start..<start + plain])
        position = start + plain
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: unescaped, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard escape(into: &unescaped) else { return nil }
            case 0..<0x20:
                return nil
            default:
                unescaped.append(byte)
            }
        }
        return nil
    }

    /// The escape after a backslash, appended as UTF-8.
    mutating func escape(into unescaped: inout [UInt8]) -> Bool {
        guard position < bytes.count else { return false }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(letter)
        case UInt8(ascii: "b"): unescaped.append(0x08)
        case UInt8(ascii: "f"): unescaped.append(0x0C)
        case UInt8(ascii: "n"): unescaped.append(0x0A)
        case UInt8(ascii: "r"): unescaped.append(0x0D)
        case UInt8(ascii: "t"): unescaped.append(0x09)
        case UInt8(ascii: "u"):
            guard var scalar = hex4() else { return false }
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate needs its low one, escaped right after it.
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low)
                else { return false }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let character = Unicode.Scalar(scalar) else { return false }
            unescaped.append(contentsOf: UTF8.encode(character).map(Array.init) ?? [])
        default:
            return false
        }
        return true
    }

    mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() -> JSONValue? {
        let start = position
        _ = take(UInt8(ascii: "-"))
        if take(UInt8(ascii: "0")) {
            if position < bytes.count, isDigit(bytes[position]) { return nil }
        } else {
            guard digits() else { return nil }
        }
        var whole = true
        if take(UInt8(ascii: ".")) {
            whole = false
            guard digits() else { return nil }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            whole = false
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits() else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if whole, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { return nil }
        if let integer = Int64(exactly: double) { return .integer(integer) }
        return .number(double)
    }

    mutating func digits() -> Bool {
        let start = position
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        return position > start
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `value` when the bytes here spell `text`.
    mutating func word(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
        guard literal(text) else { return nil }
        return value
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] { return false }
        position += count
        return true
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }
}
