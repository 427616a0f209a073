extension Registration {
    /// `endpoint E, functions S...E`, as a manifest's ``PluginManifest/entityIdSummary``.
    public var entityIdSummary: String {
        "endpoint \(endpointEntityId), functions \(functionEntityIds.lowerBound)...\(functionEntityIds.upperBound)"
    }

    /// Checks that a plugin claims exactly this registration's entity IDs.
    ///
    /// - Parameters:
    ///   - manifest: The plugin's manifest.
    ///   - subject: Whose IDs the message names, e.g. `"the plugin's"`.
    /// - Throws: `manifest_invalid` naming both sets of IDs.
    public func checkEntityIds(of manifest: PluginManifest, subject: String) throws(ConnectorHostError) {
        guard endpointEntityId != manifest.endpointEntityId || functionEntityIds != manifest.functionEntityIds else {
            return
        }
        throw ConnectorHostError(
            .manifestInvalid,
            "\(subject) entity IDs (\(manifest.entityIdSummary)) are not those of its registration \(id) (\(entityIdSummary))"
        )
    }
}
