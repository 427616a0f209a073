/// A group of the standard connector API surface (the OpsHub "Build Your Own
/// Connector" groups). A plugin's capabilities are the groups it implements.
public enum APIGroup: String, Sendable, Codable, CaseIterable, Comparable {
    case session
    case metadata
    case configuration
    case entity
    case substeps
    case users
    case comments
    case attachments
    case links
    case history

    /// Whether every plugin must implement the group (the OpsHub mandatory
    /// groups, in their order of implementation).
    public var isMandatory: Bool {
        switch self {
        case .session, .metadata, .configuration, .entity: true
        default: false
        }
    }

    /// The standard operations of this group.
    public var operations: [StandardOperation] {
        StandardOperation.allCases.filter { $0.group == self }
    }

    public static func < (lhs: APIGroup, rhs: APIGroup) -> Bool {
        let order = allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}
