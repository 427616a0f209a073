extension PluginDescription {
    /// This description as a scan cache keeps it: the secret only as its
    /// digest under `salt`.
    package func withSecretDigested(salt: [UInt8]) -> PluginDescription {
        var kept = self
        kept.manifest.secret = manifest.secret.digested(salt: salt)
        return kept
    }

    /// Whether `loaded` — what a worker read from the file just now — is the
    /// build this description was scanned from, when a cache may have kept
    /// only its secret's digest: every field equal, and the loaded plugin's
    /// secret admitted by this one (`PluginSecret.admits(_:)`).
    package func isScan(of loaded: PluginDescription) -> Bool {
        guard manifest.secret.admits(loaded.manifest.secret) else { return false }
        var comparable = loaded
        comparable.manifest.secret = manifest.secret
        return comparable == self
    }
}
