/// A value passed to or returned by a custom function, as JSON carries it.
/// Scalars keep their C type; objects and arrays are ``json(_:)``.
/// Integers keep all 64 bits: they are read from the JSON text, never through a
/// `Double`.
public enum CustomValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A `bool`.
    case bool(Bool)
    /// A signed integer: the result of a signed C type, or an integer argument that fits in `Int64`.
    case signed(Int64)
    /// An unsigned integer: the result of an unsigned C type, or an integer argument too large for `Int64`.
    case unsigned(UInt64)
    /// A `float` result.
    case float(Float)
    /// A `double` result, or a number argument that is not an integer.
    case double(Double)
    /// Text: a `const char *` argument, or a `char *` result.
    case string(String)
    /// A `ch_buffer` result; JSON carries it as base64 text.
    case bytes([UInt8])
    /// A `void` result, or a NULL string.
    case null
    /// A JSON document: an object or array argument, or a `CH_TYPE_JSON` result.
    case json(JSONValue)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .signed(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .json(try container.decode(JSONValue.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bool(let value): try container.encode(value)
        case .signed(let value): try container.encode(value)
        case .unsigned(let value): try container.encode(value)
        case .float(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bytes(let value): try container.encode(Base64.encode(value))
        case .null: try container.encodeNil()
        case .json(let value): try container.encode(value)
        }
    }

    /// How a message names the value: `300`, `a string`, `null`.
    public var description: String {
        switch self {
        case .bool(let value): "\(value)"
        case .signed(let value): "\(value)"
        case .unsigned(let value): "\(value)"
        case .float(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string: "a string"
        case .bytes(let value): "\(value.count) bytes"
        case .null: "null"
        case .json(let value): "a JSON \(value.typeName)"
        }
    }
}
