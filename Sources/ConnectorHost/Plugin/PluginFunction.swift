/// One entry of a plugin's function table.
public struct PluginFunction: Sendable, Hashable, Codable {
    /// The entity ID, inside the plugin's function range.
    public var entityId: Int64
    /// A standard operation name or the custom function's own name.
    public var name: String
    /// The declared C signature, for custom functions; nil for standard operations.
    public var signature: FunctionSignature?

    /// The standard operation this entry implements, if it is one.
    public var standardOperation: StandardOperation? {
        signature == nil ? StandardOperation(rawValue: name) : nil
    }
}

/// The C signature a custom function declares in the descriptor.
public struct FunctionSignature: Sendable, Hashable, Codable, CustomStringConvertible {
    public var returnType: ValueType
    public var parameterTypes: [ValueType]

    public init(returnType: ValueType, parameterTypes: [ValueType]) {
        self.returnType = returnType
        self.parameterTypes = parameterTypes
    }

    /// The signature as C would spell it, without the function name:
    /// `int64_t (const char *, double)`.
    public var description: String { declaration(named: "") }

    /// The signature as a C declaration: `int64_t count(const char *, double)`.
    public func declaration(named name: String) -> String {
        let parameters = parameterTypes.isEmpty ? "void" : parameterTypes.map(\.parameterSpelling).joined(separator: ", ")
        return "\(returnType.cSpelling) \(name)(\(parameters))"
    }
}
