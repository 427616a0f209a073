import ConnectorHostRuntime
import Foundation
import Testing

/// `JSONValue.bytes` writes JSON itself: byte for byte what Foundation's
/// `JSONEncoder` (sorted keys, slashes unescaped) wrote before it, for any
/// value, and what the parser reads back writes the same bytes.
@Suite(.timeLimit(.minutes(1))) struct JSONWritingTests {
    static func encoded(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init) ?? Array("null".utf8)
    }

    @Test func theEdgesAreWrittenAsJSONEncoderWritesThem() {
        let edges: [JSONValue] = [
            .null, .bool(true), .bool(false), .integer(.min), .integer(.max), .integer(0),
            .number(1.0), .number(-0.0), .number(0.1), .number(1e300), .number(1.5e-7), .number(1e16), .number(.leastNonzeroMagnitude),
            .number(.greatestFiniteMagnitude), .number(123_456_789_012_345), .number(0.30000000000000004),
            .string(""), .string("a\"b\\c/d\n\r\t\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f}é\u{2028}😀"),
            .object(["e\u{301}": 1, "f": 2, "A": 3, "_": 4, "a10": 5, "a2": 6, "~": 7, "😀": 8]),
            .array([]), .object([:]), .array([.null, .object(["k": .array([.string("v")])])]),
        ]
        for value in edges {
            #expect(value.bytes == Self.encoded(value), "\(value)")
        }
        #expect(JSONValue.array([.number(.nan)]).bytes == Array("null".utf8), "JSON carries no NaN")
        #expect(JSONValue.number(.infinity).bytes == Self.encoded(.number(.infinity)))
    }

    @Test func randomDocumentsAreWrittenAsJSONEncoderWritesThemAndReadBack() throws {
        var random = SplitMix(seed: 0x5EED_C0DE)
        for round in 0..<2000 {
            let value = Self.document(depth: 4, &random)
            let bytes = value.bytes
            #expect(bytes == Self.encoded(value), "round \(round): \(value)")
            // An integral double reads back as an integer: JSON has one kind of number.
            #expect(try JSONValue(parsing: bytes).bytes == bytes, "round \(round)")
        }
    }

    static func document(depth: Int, _ random: inout SplitMix) -> JSONValue {
        switch random.next() % (depth > 0 ? 8 : 6) {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .integer(Int64(bitPattern: random.next()) >> (random.next() % 64))
        case 3:
            // Any finite double, and short decimals.
            let bits = Double(bitPattern: random.next())
            return .number(bits.isFinite && bits.rounded() != bits ? bits : Double(random.next() % 100_000) / 64)
        case 4, 5: return .string(text(&random))
        case 6: return .array((0..<(random.next() % 5)).map { _ in document(depth: depth - 1, &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<(random.next() % 5) { members[text(&random)] = document(depth: depth - 1, &random) }
            return .object(members)
        }
    }

    static func text(_ random: inout SplitMix) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", "_", "/", "\"", "\\", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}",
                                          "é", "\u{301}", "\u{2028}", "😀", "中", " "]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<(random.next() % 8) { scalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
        return String(scalars)
    }
}
