/// A plugin's manifest: its Jitterbit-style registration (name, version, key,
/// secret, endpoint and function entity IDs) and its catalogue metadata.
public struct PluginManifest: Sendable, Hashable, Codable {
    /// The connector's name, unique on a host.
    public var name: String
    /// The connector's version, e.g. `1.2.0`.
    public var version: String
    /// The registration key.
    public var key: String
    /// The registration secret; never displayed.
    public var secret: PluginSecret
    /// The entity ID of the connector's endpoint (its connection).
    public var endpointEntityId: Int64
    /// The entity IDs its functions take theirs from.
    public var functionEntityIds: ClosedRange<Int64>
    /// Catalogue metadata: e.g. `source`, `destination` or `both`.
    public var type: String?
    /// Catalogue metadata: e.g. `issue-tracker` or `crm`.
    public var category: String?
    /// Catalogue metadata: what the connector does.
    public var description: String?
    /// Catalogue metadata: e.g. an SPDX identifier such as `Apache-2.0`.
    public var licence: String?
    /// Catalogue metadata: who maintains the connector.
    public var owner: String?
    /// Catalogue metadata: where the connector's icon is.
    public var iconURL: String?
    /// JSON Schema text of the connector's configuration form.
    public var uiSpec: String?

    /// Whether any entity ID this plugin claims (its endpoint or a function ID)
    /// is also claimed by `other`.
    public func claimsEntityIds(sharedWith other: PluginManifest) -> Bool {
        functionEntityIds.overlaps(other.functionEntityIds)
            || functionEntityIds.contains(other.endpointEntityId)
            || other.functionEntityIds.contains(endpointEntityId)
            || endpointEntityId == other.endpointEntityId
    }

    /// The claimed IDs as messages show them: `endpoint 200001, functions 200002...200100`.
    public var entityIdSummary: String {
        "endpoint \(endpointEntityId), functions \(functionEntityIds.lowerBound)...\(functionEntityIds.upperBound)"
    }
}
