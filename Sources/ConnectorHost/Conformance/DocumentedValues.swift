/// Every value docs/operations.md allows where it lists the choices, as the
/// conformance kit checks them. The shapes in ``DocumentedShapes`` are built
/// from these lists, and a test compares them with the table in
/// docs/operations.md, so the documentation and the kit cannot drift apart.
public enum DocumentedValues {
    /// The features metadata.get may list in `enableFeatures`.
    public static let enableFeatures = [
        "CURRENT_STATE_SYNC_FLAG", "REMOTE_ID_LINK", "TARGET_LOOKUP", "CRITERIA", "MAPPED_DATA_RETRIEVAL",
        "SUPPRESS_END_SYSTEM_NOTIFICATION",
    ]
    /// The screens a metadata field may be shown on (`fields[].screens`).
    public static let screens = ["SYSTEM_CONFIG", "INTEGRATION_SOURCE_CONFIG", "INTEGRATION_TARGET_CONFIG"]
    /// How server.info's integration user is identified (`integrationUserInfo.userDataType`).
    public static let userDataTypes = ["EMAIL_AS_USER", "USERNAME_AS_USER"]
    /// The directions an entity type may be synchronised in (`direction`).
    public static let directions = ["SOURCE_ONLY", "TARGET_ONLY", "BOTH"]
    /// How changes of an entity type are polled (`pollerType`).
    public static let pollerTypes = ["CURRENT_STATE", "NON_TIME_BASED", "ENTITY_WISE_HISTORY"]
    /// Whether an entity type's updates go in substeps (`multiStepUpdate`).
    public static let multiStepUpdates = ["NO_SUB_STEPS", "STATIC_SUB_STEPS", "DYNAMIC_SUB_STEPS"]
    /// What an entity type with substeps (substep.list) answers as `multiStepUpdate`.
    public static let substepsMultiStepUpdate = "DYNAMIC_SUB_STEPS"
    /// How an entity type recovers lost changes (`recovery.type`).
    public static let recoveryTypes = ["FIELD_BASED", "COMPARISON_BASED", "HISTORY_BASED"]
    /// What an entity type's revisions record (`history.type`): changed fields or the full state.
    public static let historyTypes = ["FIELD_BASED", "FULL_STATE_BASED"]
    /// Each names the history operation the plugin then implements.
    public static let separateHistoryApis: [String: StandardOperation] = [
        "ATTACHMENTS": .historyAttachments, "COMMENTS": .historyComments, "LINKS": .historyLinks,
    ]
    /// How linked entities are ranked (`links.rank.orderType`).
    public static let rankOrderTypes = ["HIERARCHY_SINGLE", "HIERARCHY_MULTIPLE", "FLAT_SINGLE", "FLAT_MULTIPLE"]
    /// The field types of entity_type.get's `fields`: those the kit can make a value for.
    public static let fieldTypes = ["TEXT", "NUMBER", "LOOKUP", "USER"]
    /// Field types whose values lookup.values answers: such fields say `"isLookup": true`.
    public static let lookupFieldTypes = ["LOOKUP", "USER"]
    /// The link type the kit links with: a child to its parent, ranked among its siblings.
    public static let hierarchyLinkType = "parent"
    /// The kinds of revision history operations answer (`revisionType`).
    public static let revisionTypes = ["CREATE", "UPDATE", "DELETE"]
    /// The member of a revision that holds the change, by history operation.
    public static let revisionPayloads: [StandardOperation: String] = [
        .historyList: "fields", .historyAttachments: "attachmentRevision", .historyComments: "commentRevision",
        .historyLinks: "linkRevision",
    ]
    /// A CREATE revision's `oldValue`: nothing was there before.
    public static let createOldValue: JSONValue = [:]
    /// A DELETE revision of a soft delete: only the deleted flag changed.
    public static let deleteOldValue: JSONValue = ["deleted": false]
    /// A DELETE revision's `newValue` for a soft delete: the deleted flag set.
    public static let deleteNewValue: JSONValue = ["deleted": true]

    /// The lists by the key docs/operations.md's table of allowed values names them with.
    public static var byDocumentedKey: [String: [String]] {
        [
            "enableFeatures": enableFeatures,
            "fields[].screens": screens,
            "integrationUserInfo.userDataType": userDataTypes,
            "direction": directions,
            "pollerType": pollerTypes,
            "multiStepUpdate": multiStepUpdates,
            "recovery.type": recoveryTypes,
            "history.type": historyTypes,
            "history.separateHistoryApis": separateHistoryApis.keys.sorted(),
            "links.rank.orderType": rankOrderTypes,
            "fields[].fieldType": fieldTypes,
            "fields[].isLookup is true for": lookupFieldTypes,
            "linkType the kit links with": [hierarchyLinkType],
            "revisionType": revisionTypes,
            "the change is in": revisionPayloads.values.sorted(),
            "oldValue of CREATE": [text(createOldValue)],
            "oldValue of DELETE": [text(deleteOldValue)],
            "newValue of DELETE": [text(deleteNewValue)],
        ]
    }

    private static func text(_ value: JSONValue) -> String { String(decoding: value.bytes, as: UTF8.self) }
}
