/// A plugin as `inspect`, `list` and the REST API show it: the manifest without
/// the secret, the ABI version, capabilities and functions.
public struct PluginSummary: Sendable, Hashable, Encodable {
    public var name: String
    public var version: String
    public var key: String
    public var abiVersion: UInt32
    public var endpointEntityId: Int64
    public var functionEntityStartId: Int64
    public var functionEntityEndId: Int64
    public var type: String?
    public var category: String?
    public var description: String?
    public var licence: String?
    public var owner: String?
    public var iconUrl: String?
    public var uiSpec: String?
    public var threadSafe: Bool
    public var maxConcurrency: Int?
    public var capabilities: [APIGroup]
    public var functions: [Function]

    /// One function-table entry.
    public struct Function: Sendable, Hashable, Encodable {
        public var entityId: Int64
        public var name: String
        /// `standard` or `custom`.
        public var kind: String
        /// The API group of a standard operation.
        public var group: APIGroup?
        /// The C declaration of a custom function, e.g. `int64_t count(const char *, double)`.
        public var signature: String?
    }

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
