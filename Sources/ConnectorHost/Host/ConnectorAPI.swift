/// The standard operations as typed Swift calls, in the session of one set of
/// credentials: one method per operation of the OpsHub surface. Each builds the
/// documented request (docs/operations.md) and returns the parsed response.
///
///     let api = try host.connector(named: "tracker").api(credentials: [SessionSetting(key: "database", value: path)])
///     let bug = try await api.createEntity(type: "bug", fields: ["title": "Crash on save"])
///
/// Every method answers the operation's response as a `JSONValue`; decode it
/// into your own `Decodable` type with `JSONValue.decoded(as:using:)`:
///
///     struct Page: Decodable { let entities: [Bug]; let nextPageLink: String? }
///     let page = try await api.listEntities(type: "bug").decoded(as: Page.self)
public struct ConnectorAPI: Sendable {
    /// The connector called.
    public let connector: Connector
    /// The session configuration every call runs with (its pooled session).
    public let credentials: [SessionSetting]

    private func call(_ operation: StandardOperation, _ request: [String: JSONValue?] = [:]) async throws(ConnectorHostError)
        -> JSONValue
    {
        let body = JSONValue.object(request.compactMapValues { $0 })
        return try JSONValue(parsing: try await connector.call(operation, request: body.bytes, credentials: credentials))
    }

    private static func strings(_ values: [String]?) -> JSONValue? {
        values.map { .array($0.map(JSONValue.string)) }
    }

    // MARK: Metadata and configuration

    /// `metadata.get`: the connector's metadata and the fields of its session configuration.
    public func connectorMetadata() async throws(ConnectorHostError) -> JSONValue {
        try await call(.metadataGet)
    }

    /// `server.info`: the end system's time zone, locale, largest page (`maxResults`) and version.
    public func serverInfo() async throws(ConnectorHostError) -> JSONValue {
        try await call(.serverInfo)
    }

    /// `entity_type.list`: the entity types, optionally of one project.
    public func entityTypes(projectId: String? = nil) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityTypeList, ["projectId": projectId.map(JSONValue.string)])
    }

    /// `entity_type.get`: one entity type with its fields, links and recovery.
    public func entityType(_ id: String, projectId: String? = nil) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityTypeGet, ["entityTypeId": .string(id), "projectId": projectId.map(JSONValue.string)])
    }

    /// `lookup.values`: the allowed values of a lookup field.
    public func lookupValues(
        fieldId: String, entityTypeId: String? = nil, projectId: String? = nil, fieldScope: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.lookupValues, [
            "fieldId": .string(fieldId), "entityTypeId": entityTypeId.map(JSONValue.string),
            "projectId": projectId.map(JSONValue.string), "fieldScope": fieldScope.map(JSONValue.string),
        ])
    }

    // MARK: Entities

    /// `entity.get`: one entity, with the `expand`ed parts.
    public func entity(
        _ id: String, type: String? = nil, expand: [String]? = nil, projectId: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityGet, [
            "entityId": .string(id), "entityTypeId": type.map(JSONValue.string), "expand": Self.strings(expand),
            "projectId": projectId.map(JSONValue.string),
        ])
    }

    /// `entity.create`: creates an entity; answers its ID (never repeated after a timeout or crash).
    public func createEntity(
        type: String, fields: [String: JSONValue], projectId: String? = nil, mandatoryLinks: [JSONValue]? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityCreate, [
            "entityTypeId": .string(type), "fields": .object(fields), "projectId": projectId.map(JSONValue.string),
            "mandatoryLinks": mandatoryLinks.map(JSONValue.array),
        ])
    }

    /// `entity.update`: changes an entity's fields; answers its new revision.
    public func updateEntity(
        _ id: String, type: String, fields: [String: JSONValue], projectId: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityUpdate, [
            "entityId": .string(id), "entityTypeId": .string(type), "fields": .object(fields),
            "projectId": projectId.map(JSONValue.string),
        ])
    }

    /// `entity.list`: one page of entities matching `query`; follow `nextPageLink` for the next.
    /// The host never asks for more than the plugin's `server.info` maxResults.
    public func listEntities(
        type: String, query: [String: JSONValue] = [:], startIndex: Int = 0, maxResults: Int? = nil,
        nextPageLink: String? = nil, projectId: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.entityList, [
            "entityTypeId": .string(type), "query": .object(query), "startIndex": .integer(Int64(startIndex)),
            "maxResults": maxResults.map { .integer(Int64($0)) }, "nextPageLink": nextPageLink.map(JSONValue.string),
            "projectId": projectId.map(JSONValue.string),
        ])
    }

    /// `entity.delete`: soft-deletes an entity.
    public func deleteEntity(_ id: String, type: String, projectId: String? = nil) async throws(ConnectorHostError)
        -> JSONValue
    {
        try await call(.entityDelete, [
            "entityId": .string(id), "entityTypeId": .string(type), "projectId": projectId.map(JSONValue.string),
        ])
    }

    /// `substep.list`: how an update of `fields` splits into steps the end system accepts.
    public func substeps(type: String, entityId: String? = nil, fields: [String: JSONValue]) async throws(ConnectorHostError)
        -> JSONValue
    {
        try await call(.substepList, [
            "entityTypeId": .string(type), "entityId": entityId.map(JSONValue.string), "fields": .object(fields),
        ])
    }

    // MARK: Users and comments

    /// `user.search`: users by exactly one of email, username or display name.
    public func users(email: String? = nil, username: String? = nil, displayName: String? = nil)
        async throws(ConnectorHostError) -> JSONValue
    {
        try await call(.userSearch, [
            "email": email.map(JSONValue.string), "username": username.map(JSONValue.string),
            "displayName": displayName.map(JSONValue.string),
        ])
    }

    /// `comment.add`: adds a comment to an entity (never repeated after a timeout or crash).
    public func addComment(to entityId: String, type: String, body: String) async throws(ConnectorHostError) -> JSONValue {
        try await call(.commentAdd, [
            "entityTypeId": .string(type), "entityId": .string(entityId), "comment": .object(["body": .string(body)]),
        ])
    }

    /// `comment.list`: an entity's comments.
    public func comments(of entityId: String, type: String) async throws(ConnectorHostError) -> JSONValue {
        try await call(.commentList, ["entityTypeId": .string(type), "entityId": .string(entityId)])
    }

    // MARK: Attachments

    /// `attachment.get`: an attachment's content, base64 in the answer.
    public func attachmentContent(contentUri: String, type: String) async throws(ConnectorHostError) -> JSONValue {
        try await call(.attachmentGet, ["entityTypeId": .string(type), "contentUri": .string(contentUri)])
    }

    /// `attachment.create`: attaches a file to an entity (never repeated after a timeout or crash).
    public func createAttachment(
        on entityId: String, type: String, fileName: String, contentType: String? = nil, content: [UInt8],
        comment: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.attachmentCreate, [
            "entityTypeId": .string(type), "entityId": .string(entityId), "fileName": .string(fileName),
            "contentType": contentType.map(JSONValue.string), "content": .string(Base64.encode(content)),
            "fileComment": comment.map(JSONValue.string),
        ])
    }

    /// `attachment.update`: replaces an attachment's name, type, content or comment.
    public func updateAttachment(
        _ attachmentId: String, type: String, fileName: String? = nil, contentType: String? = nil,
        content: [UInt8]? = nil, comment: String? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.attachmentUpdate, [
            "entityTypeId": .string(type), "attachmentId": .string(attachmentId),
            "fileName": fileName.map(JSONValue.string), "contentType": contentType.map(JSONValue.string),
            "content": content.map { .string(Base64.encode($0)) }, "fileComment": comment.map(JSONValue.string),
        ])
    }

    /// `attachment.delete`: removes an attachment.
    public func deleteAttachment(_ attachmentId: String, type: String) async throws(ConnectorHostError) -> JSONValue {
        try await call(.attachmentDelete, ["entityTypeId": .string(type), "attachmentId": .string(attachmentId)])
    }

    /// `attachment.file_name`: the file name in an `href` or an `imgsrc`; give one of them.
    public func attachmentFileName(href: String? = nil, imgsrc: String? = nil) async throws(ConnectorHostError) -> JSONValue {
        try await call(.attachmentFileName, ["href": href.map(JSONValue.string), "imgsrc": imgsrc.map(JSONValue.string)])
    }

    // MARK: Links

    /// `link.upsert`: adds or updates links of one type from an entity.
    public func upsertLinks(
        on entityId: String, type: String, linkType: String, links: [JSONValue], rankInfo: JSONValue? = nil
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(.linkUpsert, [
            "entityTypeId": .string(type), "entityId": .string(entityId), "linkType": .string(linkType),
            "links": .array(links), "rankInfo": rankInfo,
        ])
    }

    /// `link.delete`: removes one link.
    public func deleteLink(on entityId: String, type: String, linkType: String, linkedEntityId: String)
        async throws(ConnectorHostError) -> JSONValue
    {
        try await call(.linkDelete, [
            "entityTypeId": .string(type), "entityId": .string(entityId), "linkType": .string(linkType),
            "linkedEntityId": .string(linkedEntityId),
        ])
    }

    /// `link.siblings`: the entities that share a parent with this one.
    public func siblings(of entityId: String, type: String, parentEntityId: String, parentEntityType: String)
        async throws(ConnectorHostError) -> JSONValue
    {
        try await call(.linkSiblings, [
            "entityTypeId": .string(type), "entityId": .string(entityId),
            "parentEntityId": .string(parentEntityId), "parentEntityType": .string(parentEntityType),
        ])
    }

    // MARK: History

    /// `history.list` (or `history.attachments`, `history.comments`,
    /// `history.links`, as `kind` says): revisions of entities, or of their
    /// attachments, comments or links, oldest first unless `ascending` is false.
    public func history(
        _ kind: HistoryKind = .entities, type: String, entityId: String? = nil, since: String? = nil,
        maxTime: String? = nil, notUpdatedByUser: String? = nil, startIndex: Int = 0, maxResults: Int? = nil,
        nextPageLink: String? = nil, ascending: Bool = true
    ) async throws(ConnectorHostError) -> JSONValue {
        try await call(kind.operation, [
            "entityTypeId": .string(type), "entityId": entityId.map(JSONValue.string), "since": since.map(JSONValue.string),
            "maxTime": maxTime.map(JSONValue.string), "notUpdatedByUser": notUpdatedByUser.map(JSONValue.string),
            "startIndex": .integer(Int64(startIndex)), "maxResults": maxResults.map { .integer(Int64($0)) },
            "nextPageLink": nextPageLink.map(JSONValue.string), "orderByDirection": .string(ascending ? "ASC" : "DESC"),
        ])
    }

    /// Which history to read.
    public enum HistoryKind: Sendable {
        /// `history.list`.
        case entities
        /// `history.attachments`.
        case attachments
        /// `history.comments`.
        case comments
        /// `history.links`.
        case links

        var operation: StandardOperation {
            switch self {
            case .entities: .historyList
            case .attachments: .historyAttachments
            case .comments: .historyComments
            case .links: .historyLinks
            }
        }
    }
}

extension Connector {
    /// The typed operations, in the session of `credentials`.
    public func api(credentials: [SessionSetting] = []) -> ConnectorAPI {
        ConnectorAPI(connector: self, credentials: credentials)
    }
}
