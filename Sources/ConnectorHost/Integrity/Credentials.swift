import Crypto
import Foundation

/// Random and hashed credentials.
package enum Credentials {
    package static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A token or secret: 32 random bytes, as hex, with a readable prefix.
    package static func newSecret(prefix: String) -> String {
        prefix + Hex.text(randomBytes(32))
    }

    /// Tokens are random and long: an unsalted SHA-256 is safe to look them up by.
    package static func tokenHash(_ token: String) -> String {
        tokenDigest(token).hex
    }

    /// The SHA-256 of a token, which ``tokenHash(_:)`` spells in hex: what a
    /// request's token is looked up by in memory, without spelling it.
    package static func tokenDigest(_ token: String) -> TokenDigest {
        var hasher = SHA256()
        var token = token
        token.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return TokenDigest(hasher.finalize())
    }

    package static func secretHash(_ secret: String, salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: SymmetricKey(data: salt)))
    }

    /// Compares in constant time.
    package static func secret(_ secret: String, matches hash: [UInt8], salt: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(hash, authenticating: Data(secret.utf8), using: SymmetricKey(data: salt))
    }
}
