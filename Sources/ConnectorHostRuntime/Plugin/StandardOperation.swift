/// A standard operation of the connector API: one per API of the OpsHub
/// surface, with the fixed name a plugin's function table uses (`CH_OP_*` in
/// the header) and the one standard signature.
public enum StandardOperation: String, Sendable, Codable, CaseIterable {
    /// `session.open`: opens a session with the end system from a list of settings; mandatory.
    case sessionOpen = "session.open"
    /// `session.close`: releases a session; mandatory.
    case sessionClose = "session.close"
    /// `metadata.get`: the configuration a session needs, answered without a session; mandatory.
    case metadataGet = "metadata.get"
    /// `server.info`: the end system's page size, time zone, locale and integration user; mandatory.
    case serverInfo = "server.info"
    /// `entity_type.list`: the entity types, with their direction and poller type; mandatory.
    case entityTypeList = "entity_type.list"
    /// `entity_type.get`: one entity type's settings and fields.
    case entityTypeGet = "entity_type.get"
    /// `lookup.values`: the values a lookup field may take; mandatory.
    case lookupValues = "lookup.values"
    /// `entity.get`: one entity by ID; mandatory.
    case entityGet = "entity.get"
    /// `entity.create`: creates an entity and answers it with its ID; mandatory, never retried.
    case entityCreate = "entity.create"
    /// `entity.update`: changes the fields given (null clears one) and answers the entity; mandatory.
    case entityUpdate = "entity.update"
    /// `entity.list`: one page of the entities a query selects; mandatory.
    case entityList = "entity.list"
    /// `entity.delete`: soft-deletes an entity; mandatory.
    case entityDelete = "entity.delete"
    /// `substep.list`: the steps an update is to be applied in, in order.
    case substepList = "substep.list"
    /// `user.search`: users by exactly one of email, username or display name.
    case userSearch = "user.search"
    /// `comment.add`: adds a comment to an entity; never retried.
    case commentAdd = "comment.add"
    /// `comment.list`: an entity's comments, oldest first.
    case commentList = "comment.list"
    /// `attachment.get`: an attachment's content, base64.
    case attachmentGet = "attachment.get"
    /// `attachment.create`: attaches a file, sent base64, to an entity; never retried.
    case attachmentCreate = "attachment.create"
    /// `attachment.update`: changes what is given of an attachment.
    case attachmentUpdate = "attachment.update"
    /// `attachment.delete`: deletes an attachment.
    case attachmentDelete = "attachment.delete"
    /// `attachment.file_name`: the file name a link or image URL names.
    case attachmentFileName = "attachment.file_name"
    /// `link.upsert`: adds or changes links of an entity, optionally ranked among siblings.
    case linkUpsert = "link.upsert"
    /// `link.delete`: removes one link of an entity.
    case linkDelete = "link.delete"
    /// `link.siblings`: the children of a parent in rank order.
    case linkSiblings = "link.siblings"
    /// `history.list`: a page of an entity type's revisions; needed for history-based recovery.
    case historyList = "history.list"
    /// `history.attachments`: revisions of entities' attachments.
    case historyAttachments = "history.attachments"
    /// `history.comments`: revisions of entities' comments.
    case historyComments = "history.comments"
    /// `history.links`: revisions of entities' links.
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
