/// A plugin as `inspect`, `list` and the REST API show it: the manifest without
/// the secret, the ABI version, capabilities and functions.
public struct PluginSummary: Sendable, Hashable, Encodable {
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
    /// Catalogue metadata from the manifest: e.g. `source`, `destination` or `both`.
    public var type: String?
    /// Catalogue metadata from the manifest: e.g. `issue-tracker`.
    public var category: String?
    /// Catalogue metadata from the manifest: what the connector does.
    public var description: String?
    /// Catalogue metadata from the manifest: e.g. an SPDX identifier.
    public var licence: String?
    /// Catalogue metadata from the manifest: who maintains it.
    public var owner: String?
    /// Catalogue metadata from the manifest: where its icon is.
    public var iconUrl: String?
    /// JSON Schema text of the connector's configuration form.
    public var uiSpec: String?
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
        type = manifest.type
        category = manifest.category
        self.description = manifest.description
        licence = manifest.licence
        owner = manifest.owner
        iconUrl = manifest.iconURL
        uiSpec = manifest.uiSpec
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
