/// A registration secret. It prints as a mask, so that logs, `inspect` output
/// and error messages never carry it.
///
/// A secret is either the text a plugin's descriptor carries (``revealed``), or
/// only a salted digest of it (``digest``): what a scan cache keeps of a
/// description, so that no cache file or registry row holds the secret. A
/// digest signs nothing; it can only check the secret a loaded plugin presents
/// (``admits(_:)``) or be compared with a registration's record
/// (``matches(registrationHash:salt:)``).
public struct PluginSecret: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A secret as a scan cache keeps it: HMAC-SHA256 of its text keyed by a
    /// salt, the form the registry keeps registration secrets in.
    public struct Digest: Sendable, Hashable {
        /// The HMAC key: random, or the salt of the registration the key names.
        public let salt: [UInt8]
        /// HMAC-SHA256 of the secret's text under ``salt``.
        public let hash: [UInt8]
    }

    private enum Form: Hashable {
        case revealed(String)
        case digest(Digest)
    }

    private let form: Form

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

    /// This secret as a digest under `salt`; a digest stays as it is.
    public func digested(salt: [UInt8]) -> PluginSecret {
        guard case .revealed(let text) = form else { return self }
        return PluginSecret(digest: Digest(salt: salt, hash: Credentials.secretHash(text, salt: salt)))
    }

    /// Whether `presented` — what a loaded plugin's descriptor says — is this
    /// secret: the same text, or text whose HMAC under this digest's salt is
    /// this digest. A digest never admits a digest: only a plugin's own text
    /// proves it knows the secret.
    public func admits(_ presented: PluginSecret) -> Bool {
        guard case .revealed(let text) = presented.form else { return false }
        switch form {
        case .revealed(let own): return own == text
        case .digest(let digest): return Credentials.secret(text, matches: digest.hash, salt: digest.salt)
        }
    }

    /// Whether this is the secret a registration keeps as `hash` under `salt`:
    /// its text's HMAC is `hash`, or it is a digest under the same salt equal
    /// to `hash` — which only a scan of a file carrying the secret produced.
    /// Compares in constant time.
    public func matches(registrationHash hash: [UInt8], salt: [UInt8]) -> Bool {
        switch form {
        case .revealed(let text):
            return Credentials.secret(text, matches: hash, salt: salt)
        case .digest(let digest):
            guard digest.salt == salt, digest.hash.count == hash.count else { return false }
            return zip(digest.hash, hash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    /// Always `********`: a secret never reaches a log or a message.
    public var description: String { "********" }

    private enum DigestKeys: String, CodingKey {
        case salt, hmacSHA256
    }

    /// Text decodes as the secret itself, and `{"salt", "hmacSHA256"}` (hex)
    /// as a digest. A worker's handshake must carry text: its description is
    /// refused otherwise (``PluginDescription/boundsViolation``).
    public init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            form = .revealed(text)
            return
        }
        let container = try decoder.container(keyedBy: DigestKeys.self)
        guard let salt = Credentials.bytes(hex: try container.decode(String.self, forKey: .salt)),
            let hash = Credentials.bytes(hex: try container.decode(String.self, forKey: .hmacSHA256))
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
            try container.encode(Credentials.hex(digest.salt), forKey: .salt)
            try container.encode(Credentials.hex(digest.hash), forKey: .hmacSHA256)
        }
    }
}
