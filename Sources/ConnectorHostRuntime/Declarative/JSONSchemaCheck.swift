/// The part of JSON Schema a response schema in a connector document uses:
/// `type` (one or a list), `properties`, `required`, `items`, `enum` and
/// `additionalProperties: false`. Other keywords (`description`, `format`, …)
/// are allowed and not checked.
package enum JSONSchemaCheck {
    static let types: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]

    /// What makes `schema` not a usable schema, each with its path in the document.
    static func problems(inSchema schema: JSONValue, at path: String) -> [String] {
        guard let fields = schema.objectValue else { return ["\(path): a schema must be an object, got a \(schema.typeName)"] }
        var problems: [String] = []
        if let type = fields["type"] {
            let names = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue)
            if names == nil || names?.isEmpty == true || names?.allSatisfy(types.contains) == false
                || type.arrayValue.map({ $0.count != names?.count }) == true
            {
                problems.append("\(path).type: must be one of \(types.sorted().joined(separator: ", ")), or a list of them")
            }
        }
        if let properties = fields["properties"] {
            if let members = properties.objectValue {
                for name in members.keys.sorted() {
                    if let member = members[name] { problems += self.problems(inSchema: member, at: "\(path).properties.\(name)") }
                }
            } else {
                problems.append("\(path).properties: must be an object of schemas")
            }
        }
        if let required = fields["required"], required.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
            problems.append("\(path).required: must be a list of property names")
        }
        if let items = fields["items"] { problems += self.problems(inSchema: items, at: "\(path).items") }
        if let values = fields["enum"], values.arrayValue == nil { problems.append("\(path).enum: must be a list") }
        if let additional = fields["additionalProperties"], additional.boolValue == nil, additional.objectValue == nil {
            problems.append("\(path).additionalProperties: must be true, false or a schema")
        }
        return problems
    }

    /// Where `value` does not match `schema`, each as "JSON pointer: what is wrong".
    package static func mismatches(_ value: JSONValue, against schema: JSONValue, at pointer: String = "") -> [String] {
        guard let fields = schema.objectValue else { return [] }
        let here = pointer.isEmpty ? "/" : pointer
        if let type = fields["type"] {
            let allowed = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, $0) }) {
                return ["\(here): expected \(allowed.joined(separator: " or ")), got \(value.typeName)"]
            }
        }
        var found: [String] = []
        if let values = fields["enum"]?.arrayValue, !values.contains(value) {
            found.append("\(here): \(value.bytes.count <= 40 ? String(decoding: value.bytes, as: UTF8.self) : value.typeName) is not one of the allowed values")
        }
        if let members = value.objectValue {
            let properties = fields["properties"]?.objectValue ?? [:]
            for name in fields["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(pointer)/\(escape(name)): is required and missing")
            }
            for name in members.keys.sorted() {
                guard let member = members[name] else { continue }
                if let property = properties[name] {
                    found += mismatches(member, against: property, at: "\(pointer)/\(escape(name))")
                } else if fields["additionalProperties"]?.boolValue == false {
                    found.append("\(pointer)/\(escape(name)): is not a property the schema allows")
                }
            }
        }
        if let elements = value.arrayValue, let items = fields["items"] {
            for (index, element) in elements.enumerated() {
                found += mismatches(element, against: items, at: "\(pointer)/\(index)")
            }
        }
        return found
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
            ("integer", .integer), ("number", .integer), ("number", .number):
            true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    /// A JSON pointer's reference token (RFC 6901).
    private static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
