/// substeps: an update split into steps that together make the update.
extension ConformanceRun {
    func checkSubsteps() async {
        let type = JSONValue.string(entityType ?? "")
        await check(.substeps, "substep.list answers the documented shape", of: [.substepList], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let setting = settings?["multiStepUpdate"]?.stringValue
            guard setting == DocumentedValues.substepsMultiStepUpdate else {
                return "expected entity_type.get of \(entityType ?? "") to answer \"multiStepUpdate\": \"\(DocumentedValues.substepsMultiStepUpdate)\" when the plugin has substep.list, got \(setting.map { "\"\($0)\"" } ?? "none")"
            }
            let id = try await createEntity("substeps")
            let steps = try await call(.substepList, [
                "entityTypeId": type, "entityId": .string(id), "fields": .object(try await changedFields(of: id, "step")),
            ])
            if let problems = shapeProblems(DocumentedShapes.substeps, steps) { return problems }
            return steps.arrayValue?.isEmpty == false ? nil : "expected at least one step, got none"
        }
        await check(.substeps, "substep.list steps together make the update", of: [.substepList, .entityUpdate, .entityGet], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("split")
            let update = try await changedFields(of: id, "split")
            let steps = try await call(.substepList, ["entityTypeId": type, "entityId": .string(id), "fields": .object(update)])
            let parts = steps.arrayValue?.compactMap { $0["fields"]?.objectValue } ?? []
            var merged: [String: JSONValue] = [:]
            for part in parts {
                if part.isEmpty { return "expected every step to set a field; a step sets none" }
                merged.merge(part) { $1 }
            }
            guard merged == update else {
                return "expected the steps, applied in order, to set exactly the fields of the update \(JSONValue.object(update)); they set \(JSONValue.object(merged))"
            }
            for part in parts {
                _ = try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": type, "fields": .object(part)])
            }
            let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": type])
            for (name, value) in update where fetched["fields"]?[name] != value {
                return "after entity.update of each step, expected \(name) = \(value), got \(fetched["fields"]?[name].map { "\($0)" } ?? "nothing")"
            }
            return nil
        }
    }

    /// An update of several fields: new text, and the lookup field set to a
    /// value the entity does not hold, the kind of change a plugin splits.
    func changedFields(of id: String, _ label: String) async throws(ConnectorHostError) -> [String: JSONValue] {
        var update: [String: JSONValue] = [:]
        if let text = textField { update[text] = .string("\(tag) \(label)") }
        guard let field = lookupField else { return update }
        let type = JSONValue.string(entityType ?? "")
        let current = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": type])["fields"]?[field]
        let values = try await call(.lookupValues, ["fieldId": .string(field), "entityTypeId": type]).arrayValue ?? []
        update[field] = values.compactMap { $0["id"] }.last { $0 != current }
        return update
    }
}
