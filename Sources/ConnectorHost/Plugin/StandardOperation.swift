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
}
