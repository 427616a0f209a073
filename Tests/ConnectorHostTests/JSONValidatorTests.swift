@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct JSONValidatorTests {
    @Test(arguments: [
        "{}", "[]", "null", "true", "false", "0", "-0", "12.5e-3", "\"\"", " {\"a\" : [1, 2, {\"b\": null}]} ",
        "\"\\u00e9\\n\\t\\\\\\\"\"", "\"café\"", "\"日本語\"", "\"😀\"", "[[[[[]]]]]", "{\"a\":{\"b\":{\"c\":[true,false]}}}",
        "\"" + String(repeating: "abcdefgh", count: 40) + "\"",
    ])
    func accepts(_ document: String) {
        #expect(JSONValidator.isValid(Array(document.utf8)))
        #expect((try? JSONValue(parsing: Array(document.utf8))) != nil, "the parser reads what the validator accepts")
        // It agrees with Foundation on every accepted document.
        #expect((try? JSONSerialization.jsonObject(with: Data(document.utf8), options: .fragmentsAllowed)) != nil)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "1e", "-", "+1", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "[1] [2]", "{\"a\":1,}", "\"tab\there\"", "[1 2]",
        "\"" + String(repeating: "abcdefgh", count: 5) + "\u{1}" + "\"",
    ])
    func rejects(_ document: String) {
        #expect(!JSONValidator.isValid(Array(document.utf8)))
        let parsed = try? JSONValue(parsing: Array(document.utf8))
        #expect(parsed == Optional<JSONValue>.none, "the parser refuses what the validator refuses, not \(String(describing: parsed))")
    }

    /// What the parser makes of each kind of value: a whole number that fits
    /// in 64 bits is an integer however it is written, as Foundation's decoder
    /// read it before; of a repeated key the first is kept.
    @Test func theParserBuildsTheValuesFoundationsDecoderBuilt() throws {
        let expected: [(String, JSONValue)] = [
            ("1", .integer(1)), ("1.0", .integer(1)), ("1e2", .integer(100)), ("1E2", .integer(100)), ("-0", .integer(0)),
            ("-0.0", .integer(0)), ("0.1e1", .integer(1)), ("4.0e18", .integer(4_000_000_000_000_000_000)),
            ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
            ("9223372036854775808", .number(9_223_372_036_854_775_808)), ("9.3e18", .number(9.3e18)), ("1.5", .number(1.5)),
            ("1e-2", .number(0.01)), ("1.0000000000000002", .number(1.0000000000000002)),
            (#""\ud83d\ude00 \u00e9\/\b\f\n\r\t\"\\\u0000""#, .string("😀 é/\u{08}\u{0C}\n\r\t\"\\\u{00}")),
            (#" {"a": [true, false, null, "x"], "a": 2, "b": {}} "#, .object(["a": .array([true, false, .null, "x"]), "b": .object([:])])),
            ("\"café 日本語\"", .string("café 日本語")),
        ]
        for (text, value) in expected {
            #expect(try JSONValue(parsing: Array(text.utf8)) == value, "\(text)")
        }
        for refused in ["1e400", #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#] {
            #expect((try? JSONValue(parsing: Array(refused.utf8))) == nil, "\(refused)")
        }
        #expect((try? JSONValue(parsing: [0x22, 0xFF, 0x22])) == nil, "not UTF-8")
    }

    /// Long strings are skipped in 16-byte blocks: every kind of byte that
    /// stops the skip is found wherever it falls in or across a block.
    @Test func findsEveryStoppingByteAtEveryPositionOfALongString() {
        let length = 50
        for position in 0..<length {
            var bytes = Array("\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: length) + Array("\"".utf8)
            bytes[1 + position] = 0xFF
            #expect(!JSONValidator.isValid(bytes), "0xFF at \(position)")
            bytes[1 + position] = 0x01
            #expect(!JSONValidator.isValid(bytes), "a control byte at \(position)")
            bytes[1 + position] = UInt8(ascii: "\"")
            #expect(!JSONValidator.isValid(bytes), "a quote at \(position) ends the string early")
            bytes[1 + position] = UInt8(ascii: "\\")
            #expect(!JSONValidator.isValid(bytes), "a lone backslash at \(position) escapes nothing valid")
            bytes[1 + position] = 0xC3
            if position + 1 < length {
                bytes[2 + position] = 0xA9
                #expect(JSONValidator.isValid(bytes), "é at \(position)")
            }
        }
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xC3], [0xE2, 0x82],
    ] as [[UInt8]])
    func rejectsOverlongSurrogateAndTruncatedSequences(_ sequence: [UInt8]) {
        #expect(!JSONValidator.isValid([UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]))
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(!JSONValidator.isValid(Array(deep.utf8)))
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(JSONValidator.isValid(Array(fine.utf8)))
        #expect((try? JSONValue(parsing: Array(deep.utf8))) == nil, "the parser bounds its recursion alike")
        #expect((try? JSONValue(parsing: Array(fine.utf8))) != nil)
    }

    /// The kinds of open containers are kept in a word up to 64 deep and in an
    /// array beyond: each must close with its own bracket on both sides of that line.
    @Test(arguments: [1, 10, 63, 64, 65, 100, 200])
    func closesEachContainerWithItsOwnBracketAtAnyDepth(_ depth: Int) {
        let kinds = (0..<depth).map { $0 % 3 != 0 }  // true: an object
        let opening = kinds.map { $0 ? "{\"k\":" : "[" }.joined()
        let closing = kinds.reversed().map { $0 ? "}" : "]" }
        #expect(JSONValidator.isValid(Array((opening + "1" + closing.joined()).utf8)))
        for wrong in [0, depth / 2, depth - 1] {
            var swapped = closing
            swapped[wrong] = swapped[wrong] == "}" ? "]" : "}"
            #expect(!JSONValidator.isValid(Array((opening + "1" + swapped.joined()).utf8)), "closer \(wrong) swapped")
        }
    }
}
