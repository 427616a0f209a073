// Kept apart from PluginSecret: only this needs the registry's HMAC
// (swift-crypto), which the wire protocol's fuzz harness does not link.
extension PluginSecret {
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
}
