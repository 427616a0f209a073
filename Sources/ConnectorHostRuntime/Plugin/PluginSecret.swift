/// A registration secret. It prints as a mask, so that logs, `inspect` output
/// and error messages never carry it.
///
/// A secret is either the text a plugin's descriptor carries (``revealed``), or
/// only a salted digest of it (``digest``): what a scan cache keeps of a
/// description, so that no cache file or registry row holds the secret. A
/// digest signs nothing; it can only check the secret a loaded plugin presents
/// (`admits(_:)`, in `ConnectorHost`) or be compared with a registration's record
/// (`matches(registrationHash:salt:)`).
public struct PluginSecret: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A secret as a scan cache keeps it: HMAC-SHA256 of its text keyed by a
    /// salt, the form the registry keeps registration secrets in.
    public struct Digest: Sendable, Hashable {
        /// The HMAC key: random, or the salt of the registration the key names.
        public let salt: [UInt8]
        /// HMAC-SHA256 of the secret's text under ``salt``.
        public let hash: [UInt8]

        package init(salt: [UInt8], hash: [UInt8]) {
            self.salt = salt
            self.hash = hash
        }
    }

    package enum Form: Hashable {
        case revealed(String)
        case digest(Digest)
    }

    package let form: Form

    /// Wraps a secret so that printing it shows `********`.
    public init(_ revealed: String) { form = .revealed(revealed) }

    /// A secret known only by its digest.
    public init(digest: Digest) { form = .digest(digest) }

    /// The secret itself, for the registry's constant-time check; nil when
    /// only its ``digest`` is known.
    public var revealed: String? {
        guard case .revealed(let text) = form else { return nil }
        return text
    }

    /// The secret's digest, when that is all that is known of it.
    public var digest: Digest? {
        guard case .digest(let digest) = form else { return nil }
        return digest
    }

    /// Always `********`: a secret never reaches a log or a message.
    public var description: String { "********" }

    private enum DigestKeys: String, CodingKey {
        case salt, hmacSHA256
    }

    /// Text decodes as the secret itself, and `{"salt", "hmacSHA256"}` (hex)
    /// as a digest. A worker's handshake must carry text: its description is
    /// refused otherwise (`PluginDescription.boundsViolation`).
    public init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            form = .revealed(text)
            return
        }
        let container = try decoder.container(keyedBy: DigestKeys.self)
        guard let salt = Hex.bytes(try container.decode(String.self, forKey: .salt)),
            let hash = Hex.bytes(try container.decode(String.self, forKey: .hmacSHA256))
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a digest is hex"))
        }
        form = .digest(Digest(salt: salt, hash: hash))
    }

    public func encode(to encoder: Encoder) throws {
        switch form {
        case .revealed(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .digest(let digest):
            var container = encoder.container(keyedBy: DigestKeys.self)
            try container.encode(Hex.text(digest.salt), forKey: .salt)
            try container.encode(Hex.text(digest.hash), forKey: .hmacSHA256)
        }
    }
}
