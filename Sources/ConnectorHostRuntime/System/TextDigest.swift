import CConnectorHostSystem

/// SHA-256 without a cryptographic library, for identifiers derived from
/// public text (a declarative connector's slug): the sandbox worker computes
/// them too, and links no such library. Secrets and tokens are hashed by the
/// host, with swift-crypto.
package enum TextDigest {
    /// The 32-byte digest of `bytes`.
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            bytes.withUnsafeBufferPointer { input in
                CConnectorHostSystem_sha256(input.baseAddress, input.count, digest.baseAddress)
            }
            count = 32
        }
    }
}
