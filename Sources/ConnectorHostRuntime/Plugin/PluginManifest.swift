/// A plugin's manifest: its Jitterbit-style registration (name, version, key,
/// secret, endpoint and function entity IDs) and its catalogue metadata.
public struct PluginManifest: Sendable, Hashable {
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
    /// What the catalogue shows of the connector, as the plugin gives it.
    public var metadata = ConnectorMetadata()

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

/// The metadata's fields sit beside the registration's, as scan caches
/// written before the metadata had a type of its own hold them.
extension PluginManifest: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, version, key, secret, endpointEntityId, functionEntityIds
    }

    /// A stored manifest.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        version = try container.decode(String.self, forKey: .version)
        key = try container.decode(String.self, forKey: .key)
        secret = try container.decode(PluginSecret.self, forKey: .secret)
        endpointEntityId = try container.decode(Int64.self, forKey: .endpointEntityId)
        functionEntityIds = try container.decode(ClosedRange<Int64>.self, forKey: .functionEntityIds)
        metadata = try ConnectorMetadata(from: decoder)
    }

    /// Stores the manifest.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(key, forKey: .key)
        try container.encode(secret, forKey: .secret)
        try container.encode(endpointEntityId, forKey: .endpointEntityId)
        try container.encode(functionEntityIds, forKey: .functionEntityIds)
        try metadata.encode(to: encoder)
    }
}
