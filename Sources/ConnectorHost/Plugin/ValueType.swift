import ConnectorHostABI

/// A C type a custom function takes or returns (`CH_TYPE_*` in the header).
public enum ValueType: String, Sendable, Codable, CaseIterable {
    case void
    case bool
    case int8
    case uint8
    case int16
    case uint16
    case int32
    case uint32
    case int64
    case uint64
    case float
    case double
    case string
    case buffer
    /// First parameter only: the call's `ch_function_context *` (ABI version
    /// 3), filled by the host; callers pass no argument for it.
    case context

    /// The type a header `ch_value_type` value names, if it names one.
    init?(abiValue: ch_value_type) {
        guard let type = Self.allCases.first(where: { $0.abiValue == abiValue }) else { return nil }
        self = type
    }

    /// The header's `ch_value_type` value.
    var abiValue: ch_value_type {
        switch self {
        case .void: ch_value_type(CH_TYPE_VOID)
        case .bool: ch_value_type(CH_TYPE_BOOL)
        case .int8: ch_value_type(CH_TYPE_INT8)
        case .uint8: ch_value_type(CH_TYPE_UINT8)
        case .int16: ch_value_type(CH_TYPE_INT16)
        case .uint16: ch_value_type(CH_TYPE_UINT16)
        case .int32: ch_value_type(CH_TYPE_INT32)
        case .uint32: ch_value_type(CH_TYPE_UINT32)
        case .int64: ch_value_type(CH_TYPE_INT64)
        case .uint64: ch_value_type(CH_TYPE_UINT64)
        case .float: ch_value_type(CH_TYPE_FLOAT)
        case .double: ch_value_type(CH_TYPE_DOUBLE)
        case .string: ch_value_type(CH_TYPE_STRING)
        case .buffer: ch_value_type(CH_TYPE_BUFFER)
        case .context: ch_value_type(CH_TYPE_CONTEXT)
        }
    }

    /// The C spelling, for signatures shown to people: `int32_t`, `const char *`.
    public var cSpelling: String {
        switch self {
        case .void: "void"
        case .bool: "bool"
        case .float: "float"
        case .double: "double"
        case .string: "char *"
        case .buffer: "ch_buffer"
        case .context: "ch_function_context *"
        default: "\(rawValue)_t"
        }
    }

    /// The C spelling of a parameter of this type: strings come in as `const char *`.
    var parameterSpelling: String { self == .string ? "const char *" : cSpelling }

    /// Whether a parameter may have this type (void and buffer are return
    /// types only; the context is a parameter, the first).
    public var isParameterType: Bool { self != .void && self != .buffer }

    /// Whether a return value may have this type.
    public var isReturnType: Bool { self != .context }
}
