/// A plugin's manifest: its Jitterbit-style registration (name, version, key,
/// secret, endpoint and function entity IDs) and its catalogue metadata.
public struct PluginManifest: Sendable, Hashable, Codable {
    /// The connector's name, unique on a host.
    public var name: String
    public var version: String
    /// The registration key.
    public var key: String
    /// The registration secret; never displayed.
    public var secret: PluginSecret
    /// The entity ID of the connector's endpoint (its connection).
    public var endpointEntityId: Int64
    /// The entity IDs its functions take theirs from.
    public var functionEntityIds: ClosedRange<Int64>
    public var type: String?
    public var category: String?
    public var description: String?
    public var licence: String?
    public var owner: String?
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
