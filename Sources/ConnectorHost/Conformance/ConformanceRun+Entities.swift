/// entity: create, get, update, list with paging, soft delete, not found and
/// invalid input.
extension ConformanceRun {
    func checkEntities() async {
        let type = JSONValue.string(entityType ?? "")
        var subject: String?
        await check(.entity, "entity.create then entity.get", of: [.entityCreate, .entityGet], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let values = try await newFields("create")
            let created = try await call(.entityCreate, ["entityTypeId": type, "fields": .object(values)])
            if let problems = shapeProblems(DocumentedShapes.entity, created) { return problems }
            guard let id = created["id"]?.stringValue else { return "entity.create answered without an id" }
            subject = id
            let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": type])
            for (name, value) in values where fetched["fields"]?[name] != value {
                return "field \(name): created as \(value), entity.get answered \(fetched["fields"]?[name].map { "\($0)" } ?? "nothing")"
            }
            return fetched["fields"] == created["fields"] ? nil
                : "entity.get answered other fields than entity.create: \(fetched["fields"].map { "\($0)" } ?? "none")"
        }
        await check(.entity, "entity.update", of: [.entityUpdate, .entityGet], unless: noEntity ?? (subject == nil ? "it needs the entity entity.create did not make" : nil)) { () async throws(ConnectorHostError) -> String? in
            guard let id = subject, let field = textField else { return "needs an entity and a text field" }
            let value = JSONValue.string("\(tag) updated")
            _ = try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": type, "fields": [field: value]])
            let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": type])
            return fetched["fields"]?[field] == value ? nil : "expected \(field) = \(value) after the update, got \(fetched["fields"]?[field].map { "\($0)" } ?? "nothing")"
        }
        await checkPaging()
        await check(.entity, "entity.delete is a soft delete", of: [.entityDelete, .entityGet, .entityList], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("to delete")
            let answer = try await call(.entityDelete, ["entityId": .string(id), "entityTypeId": type])
            if let problems = shapeProblems(DocumentedShapes.deleted, answer) { return problems }
            if let problem = await expectFailure(.notFound, .entityGet, ["entityId": .string(id), "entityTypeId": type], "entity.get of a deleted entity") {
                return problem
            }
            let listed = try await pagesByStartIndex(pageSize: maxResults)
            return listed.contains(id) ? "entity.list still lists the deleted entity \(id)" : nil
        }
        await check(.entity, "entity.get of an unknown entity", of: [.entityGet], unless: noEntityType) { () async throws(ConnectorHostError) -> String? in
            await expectFailure(.notFound, .entityGet, ["entityId": "999999999", "entityTypeId": type], "an unknown entity")
        }
        await check(.entity, "entity.create with invalid input", of: [.entityCreate], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            var values = try await newFields("invalid")
            values["\(tag)-no-such-field"] = "x"
            return await expectFailure(.invalidRequest, .entityCreate, ["entityTypeId": type, "fields": .object(values)], "an unknown field")
        }
    }
}
