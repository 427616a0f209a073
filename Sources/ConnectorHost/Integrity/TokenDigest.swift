import Crypto

/// The SHA-256 of a token, as four words: hashed and compared without a
/// string to build.
package struct TokenDigest: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256.Digest) {
        words = digest.withUnsafeBytes { bytes in
            (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// The digest in lowercase hex, as the registry stores it.
    package var hex: String {
        withUnsafeBytes(of: words) { Hex.text($0) }
    }

    package static func == (left: TokenDigest, right: TokenDigest) -> Bool {
        left.words == right.words
    }

    package func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: words) { hasher.combine(bytes: $0) }
    }
}
