/// Names a function of a plugin the way callers do: by its entity ID (as a
/// Jitterbit activity is addressed) or by its name.
public enum FunctionReference: Sendable, Hashable, CustomStringConvertible {
    /// The function with this entity ID.
    case entityId(Int64)
    /// The function with this name.
    case name(String)

    /// Reads a reference as typed on a command line or in a URL: digits are an
    /// entity ID, anything else a name.
    public init(_ text: String) {
        if let id = Int64(text), id > 0 {
            self = .entityId(id)
        } else {
            self = .name(text)
        }
    }

    public var description: String {
        switch self {
        case .entityId(let id): "entity ID \(id)"
        case .name(let name): "'\(name)'"
        }
    }
}
