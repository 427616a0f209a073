/// A group of the standard connector API surface (the OpsHub "Build Your Own
/// Connector" groups). A plugin's capabilities are the groups it implements.
public enum APIGroup: String, Sendable, Codable, CaseIterable, Comparable {
    /// `session.open` and `session.close`.
    case session
    /// `metadata.get`.
    case metadata
    /// `server.info`, `entity_type.list`, `entity_type.get` and `lookup.values`.
    case configuration
    /// `entity.get`, `entity.create`, `entity.update`, `entity.list` and `entity.delete`.
    case entity
    /// `substep.list`.
    case substeps
    /// `user.search`.
    case users
    /// `comment.add` and `comment.list`.
    case comments
    /// The `attachment.*` operations.
    case attachments
    /// `link.upsert`, `link.delete` and `link.siblings`.
    case links
    /// The `history.*` operations.
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
