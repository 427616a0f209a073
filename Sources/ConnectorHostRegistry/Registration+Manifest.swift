import ConnectorHost

extension Registration {
    /// `endpoint E, functions S...E`, as a manifest's `PluginManifest.entityIdSummary`.
    public var entityIdSummary: String {
        "endpoint \(endpointEntityId), functions \(functionEntityIds.lowerBound)...\(functionEntityIds.upperBound)"
    }

    /// Checks that a plugin is this registration's: the same connector name and
    /// exactly its entity IDs. The name matters as much as the key: it is what
    /// the plugin is served and called under.
    ///
    /// - Throws: `manifest_invalid` naming what differs.
    public func checkIdentity(of manifest: PluginManifest, subject: String) throws(ConnectorHostError) {
        guard manifest.name == name else {
            throw ConnectorHostError(
                .manifestInvalid,
                "\(subject) name '\(manifest.name)' is not the name of its registration \(id) ('\(name)'); build it with the name it was registered under"
            )
        }
        try checkEntityIds(of: manifest, subject: subject)
    }

    /// Checks that a plugin claims exactly this registration's entity IDs.
    ///
    /// - Parameters:
    ///   - manifest: The plugin's manifest.
    ///   - subject: Whose IDs the message names, e.g. `"the plugin's"`.
    /// - Throws: `manifest_invalid` naming both sets of IDs.
    func checkEntityIds(of manifest: PluginManifest, subject: String) throws(ConnectorHostError) {
        guard endpointEntityId != manifest.endpointEntityId || functionEntityIds != manifest.functionEntityIds else {
            return
        }
        throw ConnectorHostError(
            .manifestInvalid,
            "\(subject) entity IDs (\(manifest.entityIdSummary)) are not those of its registration \(id) (\(entityIdSummary))"
        )
    }
}
