import Foundation

extension CustomValue {
    /// The value as a JSON document: a number, string, boolean or null; bytes as
    /// base64 text; a non-finite float or double as the string "NaN",
    /// "Infinity" or "-Infinity", which JSON has no number for.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN"
        )
        // Nothing else about a scalar can fail to encode.
        return (try? encoder.encode(self)).map(Array.init) ?? Array("null".utf8)
    }
}
