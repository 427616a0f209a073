/// The `entities` section: each entity type, its fields and the operations it maps.
extension DocumentReader {
    private typealias Field = ConnectorDocument.EntityField

    mutating func entities(_ value: JSONValue?, operations: [ConnectorDocument.Operation]) -> [ConnectorDocument.EntityType] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            problem("entities", "must be a list of entity types, got a \(value.typeName)")
            return []
        }
        var seen: Set<String> = []
        var result: [ConnectorDocument.EntityType] = []
        for (index, element) in list.enumerated() {
            let path = "entities[\(index)]"
            guard let fields = element.objectValue else {
                problem(path, "must be a mapping, got a \(element.typeName)")
                continue
            }
            unknownFields(fields, ["id", "name", "id_pointer", "fields", "get", "list", "create", "update", "delete"], at: path)
            let id = text(fields, "id", at: path, required: true) ?? ""
            if !id.isEmpty, id.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) == nil {
                problem("\(path).id", "must be letters, digits, dots, dashes and underscores, got \"\(id)\"")
            } else if !id.isEmpty, !seen.insert(id).inserted {
                problem("\(path).id", "\"\(id)\" is the ID of an earlier entity type")
            }
            let idPointer = text(fields, "id_pointer", at: path) ?? "/id"
            checkPointer(idPointer, at: "\(path).id_pointer")
            let entityFields = entityFields(fields["fields"], at: "\(path).fields")
            func mapped(_ role: String, needsID: Bool, methods: [String]? = nil) -> ConnectorDocument.EntityOperation? {
                fields[role].flatMap {
                    entityOperation($0, at: "\(path).\(role)", operations: operations, needsID: needsID, methods: methods)
                }
            }
            let get = mapped("get", needsID: true)
            if fields["get"] == nil { problem("\(path).get", "is missing: every entity type maps the operation that answers one entity") }
            let list = mapped("list", needsID: false)
            if let list, let operation = operations.first(where: { $0.name == list.operation }) {
                switch operation.pagination?.style {
                case .cursor?, .link?:
                    problem("\(path).list", "entity.list asks for a page by startIndex and maxResults: the operation \(list.operation) must page by offset or page number, or not at all")
                default: break
                }
            }
            result.append(ConnectorDocument.EntityType(
                id: id, name: text(fields, "name", at: path) ?? id, idPointer: idPointer, fields: entityFields,
                get: get ?? ConnectorDocument.EntityOperation(operation: "", idParameter: nil, items: ""), list: list,
                create: mapped("create", needsID: false, methods: ["POST", "PUT", "PATCH"]),
                update: mapped("update", needsID: true, methods: ["POST", "PUT", "PATCH"]),
                delete: mapped("delete", needsID: true)
            ))
        }
        return result
    }

    private mutating func entityFields(_ value: JSONValue?, at path: String) -> [Field] {
        guard let value else {
            problem(path, "is missing: an entity type lists its fields")
            return []
        }
        guard let list = value.arrayValue, !list.isEmpty else {
            problem(path, "must be a list of at least one field, got \(value.arrayValue == nil ? "a \(value.typeName)" : "an empty list")")
            return []
        }
        var seen: Set<String> = []
        var result: [Field] = []
        for (index, element) in list.enumerated() {
            let here = "\(path)[\(index)]"
            guard let fields = element.objectValue else {
                problem(here, "must be a mapping, got a \(element.typeName)")
                continue
            }
            unknownFields(fields, ["name", "label", "pointer", "type", "required", "default", "values"], at: here)
            let name = text(fields, "name", at: here, required: true) ?? ""
            if !name.isEmpty, !seen.insert(name).inserted { problem("\(here).name", "\"\(name)\" is the name of an earlier field") }
            let pointer = text(fields, "pointer", at: here) ?? "/\(name)"
            checkPointer(pointer, at: "\(here).pointer")
            if pointer.isEmpty { problem("\(here).pointer", "must point inside the entity, not at all of it") }
            let kindName = text(fields, "type", at: here) ?? "text"
            let kind = Field.Kind(rawValue: kindName)
            if kind == nil {
                problem("\(here).type", "must be one of \(Field.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(kindName)\"")
            }
            let values = lookupValues(fields["values"], at: "\(here).values")
            if kind == .lookup, values.isEmpty { problem("\(here).values", "a lookup field lists its values") }
            let defaultValue = fields["default"]
            if let defaultValue, let kind {
                let field = Field(
                    name: name, label: name, pointer: pointer, kind: kind, required: false, defaultValue: nil, values: values
                )
                if let mismatch = field.mismatch(defaultValue) { problem("\(here).default", mismatch) }
            }
            result.append(Field(
                name: name, label: text(fields, "label", at: here) ?? name, pointer: pointer, kind: kind ?? .text,
                required: flag(fields, "required", at: here) ?? false, defaultValue: defaultValue, values: values
            ))
        }
        return result
    }

    /// `values`: text, or `{id, value}` mappings.
    private mutating func lookupValues(_ value: JSONValue?, at path: String) -> [ConnectorDocument.LookupValue] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            problem(path, "must be a list, got a \(value.typeName)")
            return []
        }
        var result: [ConnectorDocument.LookupValue] = []
        for (index, element) in list.enumerated() {
            switch element {
            case .string(let text):
                result.append(ConnectorDocument.LookupValue(id: text, value: text))
            case .object(let fields):
                unknownFields(fields, ["id", "value"], at: "\(path)[\(index)]")
                let id = text(fields, "id", at: "\(path)[\(index)]", required: true) ?? ""
                result.append(ConnectorDocument.LookupValue(id: id, value: text(fields, "value", at: "\(path)[\(index)]") ?? id))
            default:
                problem("\(path)[\(index)]", "must be text or a mapping of id and value, got a \(element.typeName)")
            }
        }
        return result
    }

    /// `get: NAME`, or `get: {operation: NAME, id_parameter: P, items: /pointer}`.
    private mutating func entityOperation(
        _ value: JSONValue, at path: String, operations: [ConnectorDocument.Operation], needsID: Bool, methods: [String]?
    ) -> ConnectorDocument.EntityOperation? {
        var name: String?
        var idParameter: String?
        var items: String?
        switch value {
        case .string(let text):
            name = text
        case .object(let fields):
            unknownFields(fields, needsID ? ["operation", "id_parameter"] : ["operation", "items"], at: path)
            name = text(fields, "operation", at: path, required: true)
            idParameter = text(fields, "id_parameter", at: path)
            items = text(fields, "items", at: path)
        default:
            problem(path, "must name an operation, or be a mapping of operation\(needsID ? " and id_parameter" : " and items"), got a \(value.typeName)")
            return nil
        }
        guard let name, !name.isEmpty else { return nil }
        guard let operation = operations.first(where: { $0.name == name }) else {
            problem(path, "names no operation of the document: \"\(name)\"")
            return nil
        }
        if let methods, !methods.contains(operation.method) {
            problem(path, "the operation \(name) sends the entity's fields in its body, so it is one of \(methods.joined(separator: ", ")), not \(operation.method)")
        }
        if needsID {
            let pathParameters = operation.parameters.filter { $0.location == .path }.map(\.name)
            if let given = idParameter {
                if !operation.parameters.contains(where: { $0.name == given }) {
                    problem("\(path).id_parameter", "\"\(given)\" is not a parameter of \(name)")
                }
            } else if pathParameters.count == 1 {
                idParameter = pathParameters.first
            } else {
                problem(path, "the operation \(name) has \(pathParameters.count) path parameters: name the one that carries the entity's ID with id_parameter")
            }
        }
        // An entity call gives the operation only the entity's ID (and its fields as the body).
        for parameter in operation.parameters
        where parameter.required && parameter.defaultValue == nil && parameter.name != idParameter {
            problem(path, "the operation \(name) requires the parameter \(parameter.name), which an entity call does not give: give it a default")
        }
        let listItems = items ?? operation.pagination?.items ?? ""
        checkPointer(listItems, at: "\(path).items")
        return ConnectorDocument.EntityOperation(operation: name, idParameter: idParameter, items: listItems)
    }

    private mutating func checkPointer(_ pointer: String, at path: String) {
        if !pointer.isEmpty, !pointer.hasPrefix("/") {
            problem(path, "must be a JSON pointer such as /id, got \"\(pointer)\"")
        }
    }
}

extension ConnectorDocument.EntityField {
    /// What is wrong with `value` as a value of the field, or nil; null clears a field.
    func mismatch(_ value: JSONValue) -> String? {
        switch (kind, value) {
        case (_, .null): return nil
        case (.text, .string), (.user, .string), (.number, .integer), (.number, .number): return nil
        case (.lookup, .string(let id)):
            return values.contains { $0.id == id } ? nil
                : "must be one of \(values.map(\.id).joined(separator: ", ")), got \"\(id)\""
        default:
            return "must be \(kind == .number ? "a number" : "text"), got a \(value.typeName)"
        }
    }
}
