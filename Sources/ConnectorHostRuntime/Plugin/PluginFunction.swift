/// One entry of a plugin's function table.
public struct PluginFunction: Sendable, Hashable, Codable {
    /// The entity ID, inside the plugin's function range.
    public var entityId: Int64
    /// A standard operation name or the custom function's own name.
    public var name: String
    /// The declared C signature, for custom functions; nil for standard operations.
    public var signature: FunctionSignature?
    /// Whether the host may repeat the function after a timeout or a crash: a
    /// custom function that declares `CH_FUNCTION_IDEMPOTENT`, or a standard
    /// operation that cannot duplicate data.
    public var isIdempotent: Bool

    /// A function-table entry: a standard operation without a signature, a custom function with one.
    public init(entityId: Int64, name: String, signature: FunctionSignature? = nil, isIdempotent: Bool = false) {
        self.entityId = entityId
        self.name = name
        self.signature = signature
        self.isIdempotent = signature == nil ? StandardOperation(rawValue: name)?.isIdempotent ?? false : isIdempotent
    }

    private enum CodingKeys: String, CodingKey {
        case entityId, name, signature, isIdempotent
    }

    // Scan results cached by an earlier host lack isIdempotent: they read as false.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entityId = try container.decode(Int64.self, forKey: .entityId)
        name = try container.decode(String.self, forKey: .name)
        signature = try container.decodeIfPresent(FunctionSignature.self, forKey: .signature)
        let declared = try container.decodeIfPresent(Bool.self, forKey: .isIdempotent) ?? false
        isIdempotent = signature == nil ? StandardOperation(rawValue: name)?.isIdempotent ?? false : declared
    }

    /// The standard operation this entry implements, if it is one.
    public var standardOperation: StandardOperation? {
        signature == nil ? StandardOperation(rawValue: name) : nil
    }
}

/// The C signature a custom function declares in the descriptor.
public struct FunctionSignature: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The type the function returns.
    public var returnType: ValueType
    /// The parameters' types, in order.
    public var parameterTypes: [ValueType]

    /// A signature of these types.
    public init(returnType: ValueType, parameterTypes: [ValueType]) {
        self.returnType = returnType
        self.parameterTypes = parameterTypes
    }

    /// Whether the function takes its call's context (`CH_TYPE_CONTEXT` as its
    /// first parameter): it then runs in a session and may fail like a
    /// standard operation.
    public var takesContext: Bool { parameterTypes.first == .context }

    /// The types of the arguments a caller passes: the parameters after the
    /// context, if the function takes one.
    public var argumentTypes: ArraySlice<ValueType> { parameterTypes.dropFirst(takesContext ? 1 : 0) }

    /// The signature as C would spell it, without the function name:
    /// `int64_t (const char *, double)`.
    public var description: String { declaration(named: "") }

    /// The signature as a C declaration: `int64_t count(const char *, double)`.
    public func declaration(named name: String) -> String {
        let parameters = parameterTypes.isEmpty ? "void" : parameterTypes.map(\.parameterSpelling).joined(separator: ", ")
        return "\(returnType.cSpelling) \(name)(\(parameters))"
    }
}
