/// The documented shape of a response (docs/operations.md), as the conformance
/// kit checks it: which fields exist, their JSON types, which are required,
/// which strings are enumerations.
public indirect enum ResponseShape: Sendable {
    /// An object with these members; others may be present too.
    case object([String: Field])
    /// An array whose every element has this shape.
    case array(of: ResponseShape)
    /// A string.
    case string
    /// A string, one of these.
    case oneOf([String])
    /// An integer.
    case integer
    /// A number, integer or not.
    case number
    /// A boolean.
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
