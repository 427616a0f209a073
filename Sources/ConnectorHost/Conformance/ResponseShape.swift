/// The documented shape of a response (docs/operations.md), as the conformance
/// kit checks it: which fields exist, their JSON types, which are required,
/// which strings are enumerations.
public indirect enum ResponseShape: Sendable {
    case object([String: Field])
    case array(of: ResponseShape)
    case string
    case oneOf([String])
    case integer
    case number
    case bool
    /// Anything, including null.
    case any

    /// A member of an object shape.
    public struct Field: Sendable {
        let shape: ResponseShape
        let isRequired: Bool
        let isNullable: Bool

        static func required(_ shape: ResponseShape) -> Field { Field(shape: shape, isRequired: true, isNullable: false) }
        static func optional(_ shape: ResponseShape) -> Field { Field(shape: shape, isRequired: false, isNullable: true) }
    }

    /// What in `value` differs from the shape, as "path: expected …, got …".
    public func problems(in value: JSONValue, at path: String = "$") -> [String] {
        switch (self, value) {
        case (.any, _):
            return []
        case (.object(let fields), .object(let members)):
            var problems: [String] = []
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                guard let member = members[name] else {
                    if field.isRequired { problems.append("\(path).\(name): missing") }
                    continue
                }
                if member == .null {
                    if !field.isNullable { problems.append("\(path).\(name): expected \(field.shape.name), got null") }
                    continue
                }
                problems += field.shape.problems(in: member, at: "\(path).\(name)")
            }
            return problems
        case (.array(let element), .array(let elements)):
            return elements.enumerated().flatMap { element.problems(in: $1, at: "\(path)[\($0)]") }
        case (.string, .string), (.integer, .integer), (.number, .integer), (.number, .number), (.bool, .bool):
            return []
        case (.oneOf(let allowed), .string(let text)):
            return allowed.contains(text) ? [] : ["\(path): expected one of \(allowed.joined(separator: ", ")), got \"\(text)\""]
        default:
            return ["\(path): expected \(name), got \(value.typeName)\(Self.sample(value))"]
        }
    }

    private var name: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .oneOf(let allowed): "one of \(allowed.joined(separator: ", "))"
        case .integer: "an integer"
        case .number: "a number"
        case .bool: "a boolean"
        case .any: "anything"
        }
    }

    private static func sample(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): " \"\(text.prefix(40))\""
        case .integer(let number): " \(number)"
        case .number(let number): " \(number)"
        case .bool(let flag): " \(flag)"
        default: ""
        }
    }
}

/// The shapes of docs/operations.md.
public enum DocumentedShapes {
    public static let connectorMetadata: ResponseShape = .object([
        "enableFeatures": .required(.array(of: .string)),
        "additionalMetadata": .optional(.object([:])),
        "fields": .required(.array(of: .object([
            "internalName": .required(.string), "displayName": .required(.string), "required": .optional(.bool),
            "fieldType": .optional(.string), "defaultValue": .optional(.any),
        ]))),
    ])

    public static let serverInfo: ResponseShape = .object([
        "maxResults": .required(.integer), "timeZone": .optional(.string), "locale": .optional(.string),
        "integrationUserInfo": .optional(.object([
            "fieldInternalName": .optional(.string),
            "userDataType": .optional(.oneOf(["EMAIL_AS_USER", "USERNAME_AS_USER"])),
        ])),
    ])

    public static let entityTypes: ResponseShape = .array(of: .object([
        "id": .required(.string), "name": .required(.string),
        "direction": .optional(.oneOf(["SOURCE_ONLY", "TARGET_ONLY", "BOTH"])),
        "pollerType": .optional(.oneOf(["CURRENT_STATE", "NON_TIME_BASED", "ENTITY_WISE_HISTORY"])),
        "isSoftDeleteSupported": .optional(.bool),
    ]))

    public static let entityTypeSettings: ResponseShape = .object([
        "multiStepUpdate": .optional(.oneOf(["NO_SUB_STEPS", "STATIC_SUB_STEPS", "DYNAMIC_SUB_STEPS"])),
        "recovery": .optional(.object([
            "type": .required(.oneOf(["FIELD_BASED", "COMPARISON_BASED", "HISTORY_BASED"])), "fieldName": .optional(.string),
        ])),
        "history": .optional(.object([
            "type": .optional(.oneOf(["FIELD_BASED", "FULL_STATE_BASED"])), "isRevisionIdNumeric": .optional(.bool),
            "separateHistoryApis": .optional(.array(of: .oneOf(["ATTACHMENTS", "COMMENTS", "LINKS"]))),
        ])),
        "links": .optional(.object(["rank": .optional(.object([
            "orderType": .optional(.oneOf(["HIERARCHY_SINGLE", "HIERARCHY_MULTIPLE", "FLAT_SINGLE", "FLAT_MULTIPLE"])),
        ]))])),
    ])

    public static let lookupValues: ResponseShape = .array(of: .object(["id": .required(.string), "value": .required(.string)]))

    public static let entity: ResponseShape = .object(["id": .required(.string), "fields": .required(.object([:]))])

    public static let entityPage: ResponseShape = .object([
        "entities": .required(.array(of: entity)), "nextPageLink": .optional(.string),
    ])

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

    public static let siblings: ResponseShape = .array(of: .object([
        "internalId": .required(.string), "entityType": .optional(.string), "scopeId": .optional(.string),
    ]))

    public static let substeps: ResponseShape = .array(of: .object(["fields": .required(.object([:]))]))

    public static let historyPage: ResponseShape = .object([
        "revisions": .required(.array(of: .object([
            "entityId": .required(.string), "revisionId": .required(.string), "updatedBy": .optional(.string),
            "revisionDateTime": .required(.string), "revisionType": .required(.oneOf(["CREATE", "UPDATE", "DELETE"])),
        ]))),
        "nextPageLink": .optional(.string), "nextPageLinkSupported": .optional(.bool),
    ])
}
