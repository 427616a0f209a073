/// A plugin as `inspect`, `list` and the REST API show it: the manifest without
/// the secret, the ABI version, capabilities and functions.
public struct PluginSummary: Sendable, Hashable {
    /// The connector's name, unique on a host.
    public var name: String
    /// The connector's version.
    public var version: String
    /// The registration key (the secret is never shown).
    public var key: String
    /// The ABI version the plugin's descriptor follows.
    public var abiVersion: UInt32
    /// The entity ID of the connector's endpoint.
    public var endpointEntityId: Int64
    /// The first entity ID of the plugin's function range.
    public var functionEntityStartId: Int64
    /// The last entity ID of the plugin's function range (inclusive).
    public var functionEntityEndId: Int64
    /// What the catalogue shows of the connector, from the manifest.
    public var metadata: ConnectorMetadata
    /// Whether calls may overlap (`CH_PLUGIN_THREAD_SAFE`).
    public var threadSafe: Bool
    /// The most calls the plugin takes at once: 1 unless thread-safe; nil for no limit of its own.
    public var maxConcurrency: Int?
    /// The API groups of the standard operations the plugin implements.
    public var capabilities: [APIGroup]
    /// The function table, in the descriptor's order.
    public var functions: [Function]

    /// One function-table entry.
    public struct Function: Sendable, Hashable, Encodable {
        /// The function's entity ID, inside the plugin's function range.
        public var entityId: Int64
        /// A standard operation's name (e.g. `entity.get`), or the custom function's.
        public var name: String
        /// `standard` or `custom`.
        public var kind: String
        /// The API group of a standard operation.
        public var group: APIGroup?
        /// The C declaration of a custom function, e.g. `int64_t count(const char *, double)`.
        public var signature: String?
    }

    /// The summary of a plugin: its manifest without the secret, and its function table.
    ///
    /// - Parameter description: A validated plugin description.
    public init(_ description: PluginDescription) {
        let manifest = description.manifest
        name = manifest.name
        version = manifest.version
        key = manifest.key
        abiVersion = description.abiVersion
        endpointEntityId = manifest.endpointEntityId
        functionEntityStartId = manifest.functionEntityIds.lowerBound
        functionEntityEndId = manifest.functionEntityIds.upperBound
        metadata = manifest.metadata
        threadSafe = description.isThreadSafe
        maxConcurrency = description.maxConcurrency
        capabilities = description.capabilities
        functions = description.functions.map { function in
            Function(
                entityId: function.entityId, name: function.name,
                kind: function.signature == nil ? "standard" : "custom",
                group: function.standardOperation?.group,
                signature: function.signature?.declaration(named: function.name)
            )
        }
    }
}

/// The metadata's fields sit beside the others in `inspect --json` and
/// `list --json`, under the manifest's keys (the icon's is `iconURL`).
extension PluginSummary: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name, version, key, abiVersion, endpointEntityId, functionEntityStartId, functionEntityEndId
        case threadSafe, maxConcurrency, capabilities, functions
    }

    /// The summary as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(key, forKey: .key)
        try container.encode(abiVersion, forKey: .abiVersion)
        try container.encode(endpointEntityId, forKey: .endpointEntityId)
        try container.encode(functionEntityStartId, forKey: .functionEntityStartId)
        try container.encode(functionEntityEndId, forKey: .functionEntityEndId)
        try container.encode(threadSafe, forKey: .threadSafe)
        try container.encodeIfPresent(maxConcurrency, forKey: .maxConcurrency)
        try container.encode(capabilities, forKey: .capabilities)
        try container.encode(functions, forKey: .functions)
        try metadata.encode(to: encoder)
    }
}
