/// A standard operation of the connector API: one per API of the OpsHub
/// surface, with the fixed name a plugin's function table uses (`CH_OP_*` in
/// the header) and the one standard signature.
public enum StandardOperation: String, Sendable, Codable, CaseIterable {
    case sessionOpen = "session.open"
    case sessionClose = "session.close"
    case metadataGet = "metadata.get"
    case serverInfo = "server.info"
    case entityTypeList = "entity_type.list"
    case entityTypeGet = "entity_type.get"
    case lookupValues = "lookup.values"
    case entityGet = "entity.get"
    case entityCreate = "entity.create"
    case entityUpdate = "entity.update"
    case entityList = "entity.list"
    case entityDelete = "entity.delete"
    case substepList = "substep.list"
    case userSearch = "user.search"
    case commentAdd = "comment.add"
    case commentList = "comment.list"
    case attachmentGet = "attachment.get"
    case attachmentCreate = "attachment.create"
    case attachmentUpdate = "attachment.update"
    case attachmentDelete = "attachment.delete"
    case attachmentFileName = "attachment.file_name"
    case linkUpsert = "link.upsert"
    case linkDelete = "link.delete"
    case linkSiblings = "link.siblings"
    case historyList = "history.list"
    case historyAttachments = "history.attachments"
    case historyComments = "history.comments"
    case historyLinks = "history.links"

    /// The API group the operation belongs to.
    public var group: APIGroup {
        switch self {
        case .sessionOpen, .sessionClose: .session
        case .metadataGet: .metadata
        case .serverInfo, .entityTypeList, .entityTypeGet, .lookupValues: .configuration
        case .entityGet, .entityCreate, .entityUpdate, .entityList, .entityDelete: .entity
        case .substepList: .substeps
        case .userSearch: .users
        case .commentAdd, .commentList: .comments
        case .attachmentGet, .attachmentCreate, .attachmentUpdate, .attachmentDelete, .attachmentFileName:
            .attachments
        case .linkUpsert, .linkDelete, .linkSiblings: .links
        case .historyList, .historyAttachments, .historyComments, .historyLinks: .history
        }
    }

    /// Whether every plugin must implement it (the OpsHub mandatory APIs).
    public var isMandatory: Bool {
        switch self {
        case .sessionOpen, .sessionClose, .metadataGet, .serverInfo, .entityTypeList, .lookupValues,
            .entityGet, .entityCreate, .entityUpdate, .entityList, .entityDelete:
            true
        default:
            false
        }
    }

    /// Whether the operation runs without a session: `metadata.get` describes the
    /// configuration a session needs, so it is answered before one exists.
    public var needsSession: Bool { self != .metadataGet }

    /// Whether repeating the operation cannot duplicate data in the end
    /// system. An attempt that timed out or whose worker crashed may have
    /// reached it already, so only these are retried after such a failure;
    /// creating an entity, adding a comment or an attachment never is.
    public var isIdempotent: Bool {
        switch self {
        case .entityCreate, .commentAdd, .attachmentCreate: false
        default: true
        }
    }

    /// The operation's position in ``allCases``: an index into per-operation
    /// tables on the call path, where hashing would cost more than the rest.
    package var ordinal: Int {
        switch self {
        case .sessionOpen: 0
        case .sessionClose: 1
        case .metadataGet: 2
        case .serverInfo: 3
        case .entityTypeList: 4
        case .entityTypeGet: 5
        case .lookupValues: 6
        case .entityGet: 7
        case .entityCreate: 8
        case .entityUpdate: 9
        case .entityList: 10
        case .entityDelete: 11
        case .substepList: 12
        case .userSearch: 13
        case .commentAdd: 14
        case .commentList: 15
        case .attachmentGet: 16
        case .attachmentCreate: 17
        case .attachmentUpdate: 18
        case .attachmentDelete: 19
        case .attachmentFileName: 20
        case .linkUpsert: 21
        case .linkDelete: 22
        case .linkSiblings: 23
        case .historyList: 24
        case .historyAttachments: 25
        case .historyComments: 26
        case .historyLinks: 27
        }
    }
}

/// A value per standard operation, looked up by ordinal.
package struct OperationTable<Value> {
    private var values: [Value?] = Array(repeating: nil, count: StandardOperation.allCases.count)

    package init() {}

    package subscript(_ operation: StandardOperation) -> Value? {
        get { values[operation.ordinal] }
        set { values[operation.ordinal] = newValue }
    }
}

extension OperationTable: Sendable where Value: Sendable {}
