import ConnectorHost
import Crypto
@testable import ConnectorHostRuntime
import Testing

/// The SHA-256 the sandbox worker computes without a cryptographic library
/// (a declarative connector's derived registration) is SHA-256: byte for
/// byte what swift-crypto computes, on the standard's examples and on every
/// length around the block boundaries where padding changes.
@Suite(.timeLimit(.minutes(1))) struct TextDigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func theStandardsExamples(text: String, expected: String) {
        #expect(Hex.text(TextDigest.sha256(Array(text.utf8))) == expected)
    }

    @Test func everyLengthUpToThreeBlocksMatchesSwiftCrypto() {
        for length in 0...200 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(TextDigest.sha256(bytes) == Array(Crypto.SHA256.hash(data: bytes)), "\(length) bytes")
        }
    }

    /// A token is looked up by its SHA-256 in hex, as registries written by
    /// earlier versions stored it; in memory, by the digest's words, one
    /// token apart from another.
    @Test func aTokensDigestIsItsSHA256() {
        #expect(Credentials.tokenHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let token = "ch_" + String(repeating: "7f", count: 32)
        #expect(Credentials.tokenDigest(token).hex == Hex.text(Crypto.SHA256.hash(data: Array(token.utf8))))
        #expect(Credentials.tokenDigest(token) == Credentials.tokenDigest(token))
        #expect(Credentials.tokenDigest(token) != Credentials.tokenDigest(token + "0"))
    }
}
