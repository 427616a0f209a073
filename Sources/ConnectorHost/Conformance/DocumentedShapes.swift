/// The shapes of docs/operations.md; where the documentation lists the
/// allowed values of a member, the shape takes them from ``DocumentedValues``.
public enum DocumentedShapes {
    /// What metadata.get answers: the features enabled and the connection fields.
    public static let connectorMetadata: ResponseShape = .object([
        "enableFeatures": .required(.array(of: .oneOf(DocumentedValues.enableFeatures))),
        "additionalMetadata": .optional(.object([:])),
        "fields": .required(.array(of: .object([
            "internalName": .required(.string), "displayName": .required(.string), "required": .optional(.bool),
            "fieldType": .optional(.string), "defaultValue": .optional(.any),
            "screens": .optional(.array(of: .oneOf(DocumentedValues.screens))),
        ]))),
    ])

    /// What server.info answers: the page size (`maxResults`), time zone, locale and integration user.
    public static let serverInfo: ResponseShape = .object([
        "maxResults": .required(.integer), "timeZone": .optional(.string), "locale": .optional(.string),
        "integrationUserInfo": .optional(.object([
            "fieldInternalName": .optional(.string),
            "userDataType": .optional(.oneOf(DocumentedValues.userDataTypes)),
        ])),
    ])

    /// What entity_type.list answers: each entity type's ID and name, direction and poller type.
    public static let entityTypes: ResponseShape = .array(of: .object([
        "id": .required(.string), "name": .required(.string),
        "direction": .optional(.oneOf(DocumentedValues.directions)),
        "pollerType": .optional(.oneOf(DocumentedValues.pollerTypes)),
        "isSoftDeleteSupported": .optional(.bool),
    ]))

    /// A field of an entity type, as entity_type.get lists it.
    public static let entityField: ResponseShape = .object([
        "internalName": .required(.string), "displayName": .optional(.string),
        "fieldType": .required(.oneOf(DocumentedValues.fieldTypes)), "required": .optional(.bool),
        "isLookup": .optional(.bool), "defaultValue": .optional(.any),
    ])

    /// What entity_type.get answers: an entity type's multi-step updates, recovery, history, link ranking, web URL and fields.
    public static let entityTypeSettings: ResponseShape = .object([
        "multiStepUpdate": .optional(.oneOf(DocumentedValues.multiStepUpdates)),
        "recovery": .optional(.object([
            "type": .required(.oneOf(DocumentedValues.recoveryTypes)), "fieldName": .optional(.string),
        ])),
        "history": .optional(.object([
            "type": .optional(.oneOf(DocumentedValues.historyTypes)), "isRevisionIdNumeric": .optional(.bool),
            "separateHistoryApis": .optional(.array(of: .oneOf(DocumentedValues.separateHistoryApis.keys.sorted()))),
        ])),
        "links": .optional(.object(["rank": .optional(.object([
            "orderType": .optional(.oneOf(DocumentedValues.rankOrderTypes)),
        ]))])),
        "entityWebUrl": .optional(.object([
            "baseUrl": .required(.string), "trailingTemplate": .required(.string), "substitutes": .optional(.object([:])),
        ])),
        "fields": .optional(.array(of: entityField)),
    ])

    /// What lookup.values answers: the ID and value of each choice.
    public static let lookupValues: ResponseShape = .array(of: .object(["id": .required(.string), "value": .required(.string)]))

    /// One entity, as entity.create answers it and entity.list pages hold it: its ID and fields.
    public static let entity: ResponseShape = .object(["id": .required(.string), "fields": .required(.object([:]))])

    /// What entity.list answers: a page of entities and, when more follow, the link to the next page.
    public static let entityPage: ResponseShape = .object([
        "entities": .required(.array(of: entity)), "nextPageLink": .optional(.string),
    ])

    /// What entity.delete, attachment.delete and link.delete answer.
    public static let deleted: ResponseShape = .object(["deleted": .required(.bool)])

    /// What user.search answers: each user's ID and, optionally, username, email and display name.
    public static let users: ResponseShape = .array(of: .object([
        "id": .required(.string), "username": .optional(.string), "email": .optional(.string),
        "displayName": .optional(.string),
    ]))

    /// A comment as comment.add answers it: its ID and body.
    public static let comment: ResponseShape = .object(["id": .required(.string), "body": .required(.string)])

    /// An attachment as attachment.create and attachment.update answer it.
    public static let attachment: ResponseShape = .object([
        "id": .required(.string), "contentUri": .required(.string), "fileName": .required(.string),
        "contentType": .optional(.string), "contentLength": .optional(.integer), "createdDate": .optional(.string),
        "createdBy": .optional(.string), "fileComment": .optional(.string),
    ])

    /// What attachment.get answers: the attachment's content, base64.
    public static let attachmentContent: ResponseShape = .object(["content": .required(.string)])

    /// One link of an entity to another (or to an external URL).
    public static let link: ResponseShape = .object([
        "linkType": .required(.string), "linkedEntityId": .required(.string), "linkedEntityType": .optional(.string),
        "linkComment": .optional(.string), "externalLinkUrl": .optional(.string), "isExternalLink": .optional(.bool),
    ])

    /// What link.upsert answers: the entity's links.
    public static let links: ResponseShape = .object(["links": .required(.array(of: link))])

    /// What link.siblings answers: the entities under the same parent, in rank order.
    public static let siblings: ResponseShape = .array(of: .object([
        "internalId": .required(.string), "entityType": .optional(.string), "scopeId": .optional(.string),
    ]))

    /// What substep.list answers: the fields of each substep.
    public static let substeps: ResponseShape = .array(of: .object(["fields": .required(.object([:]))]))

    /// A page of revisions of one history operation: each carries its change
    /// under the operation's payload key, history.list's as objects of fields,
    /// the others' as arrays of the items removed and added.
    public static func historyPage(_ operation: StandardOperation) -> ResponseShape {
        var revision: [String: ResponseShape.Field] = [
            "entityId": .required(.string), "revisionId": .required(.string), "updatedBy": .optional(.string),
            "revisionDateTime": .required(.string), "revisionType": .required(.oneOf(DocumentedValues.revisionTypes)),
        ]
        if let payload = DocumentedValues.revisionPayloads[operation] {
            let side: ResponseShape = operation == .historyList ? .object([:]) : .array(of: .any)
            revision[payload] = .required(.object(["oldValue": .required(side), "newValue": .required(side)]))
        }
        return .object([
            "revisions": .required(.array(of: .object(revision))),
            "nextPageLink": .optional(.string), "nextPageLinkSupported": .optional(.bool),
        ])
    }
}
