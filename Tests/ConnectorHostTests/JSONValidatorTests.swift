@testable import ConnectorHost
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
    }
}
