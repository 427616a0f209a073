/// Where a call to a connector goes: whether its plugin implements a standard
/// operation, and which custom function a caller's reference (entity ID or
/// name) names — or the error that says why the call goes nowhere. Each served
/// build has one, made once from its description; every call is routed
/// through it before anything is sent to the plugin.
public struct FunctionRouter: Sendable {
    /// The plugin's name, for the errors.
    public let plugin: String
    /// The function table, in the descriptor's order.
    public let functions: [PluginFunction]
    /// Looked up on every call: one bit per operation, at its ordinal (there
    /// are fewer than 64), no hashing and no generic table.
    private let implemented: UInt64
    private let byName: [String: Int]
    private let byEntityId: [Int64: Int]

    /// The routes of a plugin's function table.
    ///
    /// - Parameter description: A validated plugin description.
    public init(_ description: PluginDescription) {
        plugin = description.manifest.name
        functions = description.functions
        var implemented: UInt64 = 0
        var byName: [String: Int] = [:]
        var byEntityId: [Int64: Int] = [:]
        for (index, function) in functions.enumerated() {
            if let operation = function.standardOperation { implemented |= 1 << operation.ordinal }
            // A validated table has unique names and IDs; were it not, the first entry would win.
            if byName[function.name] == nil { byName[function.name] = index }
            if byEntityId[function.entityId] == nil { byEntityId[function.entityId] = index }
        }
        self.implemented = implemented
        self.byName = byName
        self.byEntityId = byEntityId
    }

    /// Whether the plugin implements the standard operation.
    public func implements(_ operation: StandardOperation) -> Bool {
        implemented & (1 << operation.ordinal) != 0
    }

    /// Checks that a call of the operation has somewhere to go.
    ///
    /// - Throws: `not_found` when the plugin does not implement it.
    public func requireImplemented(_ operation: StandardOperation) throws(ConnectorHostError) {
        guard implements(operation) else {
            throw ConnectorHostError(.notFound, "\(plugin) does not implement \(operation.rawValue)")
        }
    }

    /// The custom function a reference names.
    ///
    /// - Throws: `not_found` when no entry has the reference, naming the
    ///   custom functions there are; `invalid_request` for an entry that is a
    ///   standard operation.
    public func customFunction(_ reference: FunctionReference) throws(ConnectorHostError) -> PluginFunction {
        let index: Int? =
            switch reference {
            case .entityId(let id): byEntityId[id]
            case .name(let name): byName[name]
            }
        guard let function = index.map({ functions[$0] }) else {
            let custom = functions.filter { $0.signature != nil }.map(\.name)
            throw ConnectorHostError(
                .notFound,
                "\(plugin) has no function with \(reference) (custom functions: \(custom.isEmpty ? "none" : custom.joined(separator: ", ")))"
            )
        }
        guard function.signature != nil else {
            throw ConnectorHostError(
                .invalidRequest,
                "\(plugin) entity ID \(function.entityId) is the standard operation \(function.name); call it as an operation"
            )
        }
        return function
    }
}
