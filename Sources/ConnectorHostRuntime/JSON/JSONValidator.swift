import CConnectorHostJSON

/// Checks that bytes are one well-formed JSON document in valid UTF-8 (RFC 8259),
/// without building it: a single pass, no allocation beyond a small stack of
/// open containers. Every request and response crosses it, so it must cost
/// nanoseconds per byte, not microseconds per document.
package enum JSONValidator {
    /// Deeper nesting is rejected rather than risked.
    package static let maximumDepth = 512

    /// Whether `bytes` hold exactly one JSON value, optionally surrounded by whitespace.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }

    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = Scanner(bytes: bytes)
        return scanner.document()
    }

    /// The containers open around a value, innermost last: whether each is an
    /// object or an array. The first 64 are bits of a word, so that most
    /// documents are checked without allocating; deeper ones spill into an array.
    private struct OpenContainers {
        private var shallow: UInt64 = 0
        private var deep: [Bool] = []
        private(set) var count = 0

        mutating func push(object: Bool) {
            if count < 64 {
                let bit: UInt64 = 1 << UInt64(count)
                shallow = object ? shallow | bit : shallow & ~bit
            } else {
                deep.append(object)
            }
            count += 1
        }

        mutating func pop() {
            count -= 1
            if count >= 64 { deep.removeLast() }
        }

        /// Whether the innermost is an object; nil when none is open.
        var last: Bool? {
            guard count > 0 else { return nil }
            let index = count - 1
            return index < 64 ? shallow & (1 << UInt64(index)) != 0 : deep[index - 64]
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        mutating func document() -> Bool {
            skipWhitespace()
            guard value() else { return false }
            skipWhitespace()
            return position == bytes.count
        }

        /// One value; containers are walked with an explicit stack, not recursion.
        mutating func value() -> Bool {
            var open = OpenContainers()
            while true {
                skipWhitespace()
                guard position < bytes.count else { return false }
                switch bytes[position] {
                case UInt8(ascii: "{"):
                    position += 1
                    skipWhitespace()
                    if peek(UInt8(ascii: "}")) {
                        position += 1
                    } else {
                        guard open.count < maximumDepth, key() else { return false }
                        open.push(object: true)
                        continue
                    }
                case UInt8(ascii: "["):
                    position += 1
                    skipWhitespace()
                    if peek(UInt8(ascii: "]")) {
                        position += 1
                    } else {
                        guard open.count < maximumDepth else { return false }
                        open.push(object: false)
                        continue
                    }
                case UInt8(ascii: "\""):
                    guard string() else { return false }
                case UInt8(ascii: "t"):
                    guard literal("true") else { return false }
                case UInt8(ascii: "f"):
                    guard literal("false") else { return false }
                case UInt8(ascii: "n"):
                    guard literal("null") else { return false }
                default:
                    guard number() else { return false }
                }
                // A value ended: close containers or move to the next member.
                while true {
                    guard let inObject = open.last else { return true }
                    skipWhitespace()
                    guard position < bytes.count else { return false }
                    let byte = bytes[position]
                    position += 1
                    if byte == UInt8(ascii: ",") {
                        if inObject {
                            skipWhitespace()
                            guard key() else { return false }
                        }
                        break
                    }
                    guard byte == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
                    open.pop()
                }
            }
        }

        /// `"name" :` of an object member.
        mutating func key() -> Bool {
            guard peek(UInt8(ascii: "\"")), string() else { return false }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { return false }
            position += 1
            return true
        }

        mutating func string() -> Bool {
            position += 1
            guard let base = bytes.baseAddress else { return false }
            let count = bytes.count
            while position < count {
                // Most bytes are plain printable ASCII: skip them in bulk.
                position += CConnectorHostJSON_plain_prefix(base + position, count - position)
                guard position < count else { break }
                switch base[position] {
                case UInt8(ascii: "\""):
                    position += 1
                    return true
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.count else { return false }
                    switch bytes[position] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        guard position + 4 < bytes.count,
                            (1...4).allSatisfy({ isHexDigit(bytes[position + $0]) })
                        else { return false }
                        position += 5
                    default:
                        return false
                    }
                case 0..<0x20:
                    return false
                case 0x80...:
                    guard utf8Sequence() else { return false }
                default:
                    position += 1
                }
            }
            return false
        }

        /// A multi-byte UTF-8 sequence starting at `position` (RFC 3629: no
        /// overlongs, no surrogates, nothing past U+10FFFF).
        mutating func utf8Sequence() -> Bool {
            let lead = bytes[position]
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard position + length <= bytes.count else { return false }
            let second = bytes[position + 1]
            guard second >= lower, second <= upper else { return false }
            for offset in 2..<max(2, length) where bytes[position + offset] & 0xC0 != 0x80 {
                return false
            }
            position += length
            return true
        }

        mutating func number() -> Bool {
            let start = position
            if peek(UInt8(ascii: "-")) { position += 1 }
            guard position < bytes.count else { return false }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits() else { return false }
            }
            if peek(UInt8(ascii: ".")) {
                position += 1
                guard digits() else { return false }
            }
            if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
                position += 1
                if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
                guard digits() else { return false }
            }
            return position > start
        }

        mutating func digits() -> Bool {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            return position > start
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
                return false
            }
            position += count
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

        func peek(_ byte: UInt8) -> Bool {
            position < bytes.count && bytes[position] == byte
        }

        func isHexDigit(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
        }
    }
}
