/// Everything a validated descriptor says about a plugin, as Swift values.
public struct PluginDescription: Sendable, Hashable, Codable {
    /// The plugin's registration and catalogue metadata.
    public var manifest: PluginManifest
    /// The ABI version the plugin's descriptor follows.
    public var abiVersion: UInt32
    /// Whether calls may overlap (`CH_PLUGIN_THREAD_SAFE`).
    public var isThreadSafe: Bool
    /// Whether some entity type recovers from history (`CH_PLUGIN_HISTORY_RECOVERY`).
    public var usesHistoryRecovery: Bool = false
    /// The most calls the plugin takes at once: 1 unless thread-safe; nil for no
    /// limit of its own.
    public var maxConcurrency: Int?
    /// The function table: standard operations and custom functions, in the descriptor's order.
    public var functions: [PluginFunction]
    /// What the plugin suggests for its own resilience policy.
    public var resilience: ResilienceOverrides
    /// The `host:port` pairs the plugin's own definition says it reaches (a
    /// declarative connector's base URL and token endpoint): its sandbox
    /// worker may reach them through the egress proxy. Empty for a compiled
    /// plugin, which is given hosts by the operator only.
    public var egressHosts: [String] = []

    /// The API groups the plugin implements at least one operation of, in
    /// surface order.
    public var capabilities: [APIGroup] {
        Set(functions.compactMap(\.standardOperation?.group)).sorted()
    }
}

extension PluginDescription {
    private enum CodingKeys: String, CodingKey {
        case manifest, abiVersion, isThreadSafe, usesHistoryRecovery, maxConcurrency, functions, resilience, egressHosts
    }

    /// Fields added after the first version read as their defaults when a
    /// stored description (a scan cache) lacks them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        manifest = try container.decode(PluginManifest.self, forKey: .manifest)
        abiVersion = try container.decode(UInt32.self, forKey: .abiVersion)
        isThreadSafe = try container.decode(Bool.self, forKey: .isThreadSafe)
        usesHistoryRecovery = try container.decodeIfPresent(Bool.self, forKey: .usesHistoryRecovery) ?? false
        maxConcurrency = try container.decodeIfPresent(Int.self, forKey: .maxConcurrency)
        functions = try container.decode([PluginFunction].self, forKey: .functions)
        resilience = try container.decode(ResilienceOverrides.self, forKey: .resilience)
        egressHosts = try container.decodeIfPresent([String].self, forKey: .egressHosts) ?? []
    }
}
