/// Bytes as lowercase hex text, and back: token hashes, IDs and the digests a
/// scan cache keeps.
package enum Hex {
    package static func text(_ bytes: some Sequence<UInt8>) -> String {
        // Token hashes are written out for every registry lookup: a
        // String(format:) per byte cost ten times the SHA-256 itself.
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of lowercase or uppercase hex; nil for anything else.
    package static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = UInt8(String(UnicodeScalar(digits[index])), radix: 16),
                let low = UInt8(String(UnicodeScalar(digits[index + 1])), radix: 16)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
