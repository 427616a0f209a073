import ConnectorHostABI

/// A C type a custom function takes or returns (`CH_TYPE_*` in the header).
public enum ValueType: String, Sendable, Codable, CaseIterable {
    /// Return type only: nothing (JSON null).
    case void
    /// C `bool`; JSON true or false.
    case bool
    /// `int8_t`.
    case int8
    /// `uint8_t`.
    case uint8
    /// `int16_t`.
    case int16
    /// `uint16_t`.
    case uint16
    /// `int32_t`.
    case int32
    /// `uint32_t`.
    case uint32
    /// `int64_t`.
    case int64
    /// `uint64_t`.
    case uint64
    /// C `float`.
    case float
    /// C `double`.
    case double
    /// NUL-terminated UTF-8: `const char *` in, `char *` allocated with the host's allocator out (NULL for JSON null).
    case string
    /// Return type only: a `ch_buffer` allocated with the host's allocator, returned to callers as base64 text.
    case buffer
    /// First parameter only: the call's `ch_function_context *` (ABI version
    /// 3), filled by the host; callers pass no argument for it.
    case context
    /// Any JSON value, as NUL-terminated JSON text (ABI version 3).
    case json

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
        case .json: ch_value_type(CH_TYPE_JSON)
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
        case .json: "char * /* JSON */"
        default: "\(rawValue)_t"
        }
    }

    /// The C spelling of a parameter of this type: strings come in as `const char *`.
    var parameterSpelling: String {
        switch self {
        case .string: "const char *"
        case .json: "const char * /* JSON */"
        default: cSpelling
        }
    }

    /// Whether a parameter may have this type (void and buffer are return
    /// types only; the context is a parameter, the first).
    public var isParameterType: Bool { self != .void && self != .buffer }

    /// Whether a return value may have this type.
    public var isReturnType: Bool { self != .context }
}
