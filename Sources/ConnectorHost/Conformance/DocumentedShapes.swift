/// The shapes of docs/operations.md; where the documentation lists the
/// allowed values of a member, the shape takes them from ``DocumentedValues``.
public enum DocumentedShapes {
    public static let connectorMetadata: ResponseShape = .object([
        "enableFeatures": .required(.array(of: .oneOf(DocumentedValues.enableFeatures))),
        "additionalMetadata": .optional(.object([:])),
        "fields": .required(.array(of: .object([
            "internalName": .required(.string), "displayName": .required(.string), "required": .optional(.bool),
            "fieldType": .optional(.string), "defaultValue": .optional(.any),
            "screens": .optional(.array(of: .oneOf(DocumentedValues.screens))),
        ]))),
    ])

    public static let serverInfo: ResponseShape = .object([
        "maxResults": .required(.integer), "timeZone": .optional(.string), "locale": .optional(.string),
        "integrationUserInfo": .optional(.object([
            "fieldInternalName": .optional(.string),
            "userDataType": .optional(.oneOf(DocumentedValues.userDataTypes)),
        ])),
    ])

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
        "fields": .optional(.array(of: entityField)),
    ])

    public static let lookupValues: ResponseShape = .array(of: .object(["id": .required(.string), "value": .required(.string)]))

    public static let entity: ResponseShape = .object(["id": .required(.string), "fields": .required(.object([:]))])

    public static let entityPage: ResponseShape = .object([
        "entities": .required(.array(of: entity)), "nextPageLink": .optional(.string),
    ])

    public static let deleted: ResponseShape = .object(["deleted": .required(.bool)])

    public static let users: ResponseShape = .array(of: .object([
        "id": .required(.string), "username": .optional(.string), "email": .optional(.string),
        "displayName": .optional(.string),
    ]))

    public static let comment: ResponseShape = .object(["id": .required(.string), "body": .required(.string)])

    public static let attachment: ResponseShape = .object([
        "id": .required(.string), "contentUri": .required(.string), "fileName": .required(.string),
        "contentType": .optional(.string), "contentLength": .optional(.integer), "createdDate": .optional(.string),
        "createdBy": .optional(.string), "fileComment": .optional(.string),
    ])

    public static let attachmentContent: ResponseShape = .object(["content": .required(.string)])

    public static let link: ResponseShape = .object([
        "linkType": .required(.string), "linkedEntityId": .required(.string), "linkedEntityType": .optional(.string),
        "linkComment": .optional(.string), "externalLinkUrl": .optional(.string), "isExternalLink": .optional(.bool),
    ])

    public static let links: ResponseShape = .object(["links": .required(.array(of: link))])

    public static let siblings: ResponseShape = .array(of: .object([
        "internalId": .required(.string), "entityType": .optional(.string), "scopeId": .optional(.string),
    ]))

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
