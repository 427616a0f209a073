/// The entities the kit makes: field values built from entity_type.get's
/// field list, and why none can be made when the plugin does not say enough.
extension ConformanceRun {
    /// The values of a new entity: every required field, and the text field
    /// the kit writes to. TEXT fields get text, NUMBER fields 1, LOOKUP and
    /// USER fields their first lookup value.
    func newFields(_ label: String) async throws(ConnectorHostError) -> [String: JSONValue] {
        guard let type = entityType, let text = textField else {
            throw ConnectorHostError(.invalidRequest, noEntity ?? "no entity type with a TEXT field is known")
        }
        var values: [String: JSONValue] = [text: .string("\(tag) \(label)")]
        for field in fields where field["required"]?.boolValue == true {
            guard let name = field["internalName"]?.stringValue, values[name] == nil else { continue }
            let kind = field["fieldType"]?.stringValue ?? ""
            if kind == "NUMBER" {
                values[name] = 1
            } else if kind == "TEXT" {
                values[name] = .string("\(tag) \(label)")
            } else {
                let lookups = try await call(.lookupValues, ["fieldId": .string(name), "entityTypeId": .string(type)])
                guard let first = lookups[0]?["id"] else {
                    throw ConnectorHostError(.pluginError, "required \(kind) field \(name) has no lookup values to choose from")
                }
                values[name] = first
            }
        }
        return values
    }

    /// The TEXT field the run writes to (and changes in updates).
    var textField: String? {
        fields.first { $0["fieldType"]?.stringValue == "TEXT" }?["internalName"]?.stringValue
    }

    /// Why no entity can be made, naming what the plugin must add; nil when one can.
    func whyNoEntity() async -> String? {
        if let noEntityType { return noEntityType }
        let type = entityType ?? ""
        guard implements(.entityTypeGet) else {
            return "the kit builds entities from the fields entity_type.get lists; implement entity_type.get and list the fields of \(type) (internalName, fieldType, required)"
        }
        guard settings != nil else { return "entity_type.get of \(type) failed (see its check)" }
        guard textField != nil else {
            return "entity_type.get of \(type) lists no TEXT field; the kit writes to and updates a TEXT field, so list one"
        }
        do {
            _ = try await newFields("probe")
            return nil
        } catch {
            return "the kit cannot build a new \(type): \(error.message)"
        }
    }

    /// Creates an entity; its ID.
    func createEntity(_ label: String) async throws(ConnectorHostError) -> String {
        let values = try await newFields(label)
        let created = try await call(.entityCreate, ["entityTypeId": .string(entityType ?? ""), "fields": .object(values)])
        guard let id = created["id"]?.stringValue else {
            throw ConnectorHostError(.pluginError, "entity.create answered without an id")
        }
        return id
    }
}
