/// entity: create, get, update, list with paging, soft delete, not found and
/// invalid input.
extension ConformanceRun {
    /// Fields for a new entity, built from entity_type.get's field list: text
    /// for text fields, the first lookup value for lookups, 1 for numbers.
    func newFields(_ label: String) async -> [String: JSONValue]? {
        guard let type = entityType, !fields.isEmpty else { return nil }
        var values: [String: JSONValue] = [:]
        for field in fields where field["required"]?.boolValue == true {
            guard let name = field["internalName"]?.stringValue else { continue }
            switch field["fieldType"]?.stringValue ?? "TEXT" {
            case "LOOKUP":
                let lookups = try? await call(.lookupValues, ["fieldId": .string(name), "entityTypeId": .string(type)])
                guard let first = lookups?[0]?["id"] else { return nil }
                values[name] = first
            case "NUMBER": values[name] = 1
            case "TEXT": values[name] = .string("\(tag) \(label)")
            default: return nil
            }
        }
        if let text = textField, values[text] == nil { values[text] = .string("\(tag) \(label)") }
        return values
    }

    /// A text field the run writes to (and changes in updates).
    var textField: String? {
        fields.first { ($0["fieldType"]?.stringValue ?? "TEXT") == "TEXT" }?["internalName"]?.stringValue
    }

    /// Creates an entity; its ID.
    func createEntity(_ label: String) async throws(ConnectorHostError) -> String {
        guard let type = entityType, let values = await newFields(label) else {
            throw ConnectorHostError(.invalidRequest, "no valid fields are known to create an entity with")
        }
        let created = try await call(.entityCreate, ["entityTypeId": .string(type), "fields": .object(values)])
        guard let id = created["id"]?.stringValue else {
            throw ConnectorHostError(.pluginError, "entity.create answered without an id")
        }
        remember(created: id)
        return id
    }

    func checkEntities() async {
        let names = ["entity.create then entity.get", "entity.update", "entity.list pages", "entity.list honours maxResults",
                     "entity.delete is a soft delete", "entity.get of an unknown entity", "entity.create with invalid input"]
        guard session != nil, let type = entityType else {
            names.forEach { skip(.entity, $0, "needs a session and an entity type, which configuration did not give") }
            return
        }
        guard await newFields("probe") != nil else {
            names.forEach {
                skip(.entity, $0, "entity_type.get lists no fields (with fieldType and required) to build a valid entity from")
            }
            return
        }
        var subject: String?
        await check(.entity, "entity.create then entity.get") { () async throws(ConnectorHostError) -> String? in
            guard let values = await newFields("create") else { return "cannot build fields" }
            let created = try await call(.entityCreate, ["entityTypeId": .string(type), "fields": .object(values)])
            if let problems = shapeProblems(DocumentedShapes.entity, created) { return problems }
            guard let id = created["id"]?.stringValue else { return "entity.create answered without an id" }
            remember(created: id)
            subject = id
            let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": .string(type)])
            for (name, value) in values where fetched["fields"]?[name] != value {
                return "field \(name): created as \(value), entity.get answered \(fetched["fields"]?[name].map { "\($0)" } ?? "nothing")"
            }
            return fetched["fields"] == created["fields"] ? nil
                : "entity.get answered other fields than entity.create: \(fetched["fields"].map { "\($0)" } ?? "none")"
        }
        await check(.entity, "entity.update") { () async throws(ConnectorHostError) -> String? in
            guard let id = subject, let field = textField else { return "needs an entity and a text field" }
            let value = JSONValue.string("\(tag) updated")
            _ = try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": .string(type), "fields": [field: value]])
            let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": .string(type)])
            return fetched["fields"]?[field] == value ? nil : "expected \(field) = \(value) after the update, got \(fetched["fields"]?[field].map { "\($0)" } ?? "nothing")"
        }
        await checkPaging(type)
        await check(.entity, "entity.delete is a soft delete") { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("to delete")
            _ = try await call(.entityDelete, ["entityId": .string(id), "entityTypeId": .string(type)])
            let code = await failureCode(.entityGet, ["entityId": .string(id), "entityTypeId": .string(type)])
            if code != .notFound {
                let fetched = try? await call(.entityGet, ["entityId": .string(id), "entityTypeId": .string(type)])
                if fetched?["deleted"]?.boolValue != true {
                    return "expected entity.get of a deleted entity to be not_found or marked deleted"
                }
            }
            let listed = try await allEntityIDs(type, pageSize: maxResults)
            return listed.contains(id) ? "entity.list still lists the deleted entity \(id)" : nil
        }
        await check(.entity, "entity.get of an unknown entity") { () async throws(ConnectorHostError) -> String? in
            let code = await failureCode(.entityGet, ["entityId": "999999999", "entityTypeId": .string(type)])
            return code == .notFound ? nil : "expected not_found, got \(code.map { "\($0)" } ?? "an entity")"
        }
        await check(.entity, "entity.create with invalid input") { () async throws(ConnectorHostError) -> String? in
            var values = await newFields("invalid") ?? [:]
            values["\(tag)-no-such-field"] = "x"
            let code = await failureCode(.entityCreate, ["entityTypeId": .string(type), "fields": .object(values)])
            return code == .invalidRequest ? nil : "expected invalid_request for an unknown field, got \(code.map { "\($0)" } ?? "a created entity")"
        }
    }

    /// Every ID entity.list gives, page by page with startIndex.
    func allEntityIDs(_ type: String, pageSize: Int) async throws(ConnectorHostError) -> [String] {
        var seen: [String] = []
        var start = 0
        for _ in 0..<10_000 {
            let page = try await call(.entityList, [
                "entityTypeId": .string(type), "startIndex": .integer(Int64(start)), "maxResults": .integer(Int64(pageSize)),
            ])
            let ids = page["entities"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            seen += ids
            if ids.count < pageSize { break }
            start += ids.count
        }
        return seen
    }

    private func checkPaging(_ type: String) async {
        let pageSize = min(3, maxResults)
        var created: [String] = []
        await check(.entity, "entity.list pages") { () async throws(ConnectorHostError) -> String? in
            for index in 0..<(pageSize * 2 + 1) { created.append(try await createEntity("page \(index)")) }
            let first = try await call(.entityList, [
                "entityTypeId": .string(type), "startIndex": 0, "maxResults": .integer(Int64(pageSize)),
            ])
            if let problems = shapeProblems(DocumentedShapes.entityPage, first) { return problems }
            let seen = try await allEntityIDs(type, pageSize: pageSize)
            var counts: [String: Int] = [:]
            for id in seen { counts[id, default: 0] += 1 }
            if let duplicate = counts.first(where: { $0.value > 1 })?.key {
                return "expected every entity on one page only; entity \(duplicate) came \(counts[duplicate] ?? 0) times"
            }
            if let missing = created.first(where: { counts[$0] == nil }) {
                return "expected every entity on some page; entity \(missing) was on none"
            }
            return nil
        }
        await check(.entity, "entity.list honours maxResults") { () async throws(ConnectorHostError) -> String? in
            let page = try await call(.entityList, ["entityTypeId": .string(type), "startIndex": 0, "maxResults": 1])
            let count = page["entities"]?.arrayValue?.count ?? 0
            return count <= 1 ? nil : "expected at most 1 entity for maxResults 1, got \(count)"
        }
    }
}
