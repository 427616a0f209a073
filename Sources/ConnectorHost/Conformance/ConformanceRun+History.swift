/// history: a revision for each change, of entities and of their comments,
/// attachments and links.
extension ConformanceRun {
    /// The revisions of one entity, oldest first; a page not of the
    /// operation's documented shape fails the check.
    private func revisions(_ operation: StandardOperation, of id: String) async throws(ConnectorHostError) -> [JSONValue] {
        let page = try await call(operation, [
            "entityTypeId": .string(entityType ?? ""), "entityId": .string(id), "startIndex": 0,
            "maxResults": .integer(Int64(maxResults)), "orderByDirection": "ASC",
        ])
        if let problems = shapeProblems(DocumentedShapes.historyPage(operation), page) {
            throw ConnectorHostError(.pluginError, "\(operation.rawValue) \(problems)")
        }
        return page["revisions"]?.arrayValue?.filter { $0["entityId"]?.stringValue == id } ?? []
    }

    func checkHistory() async {
        let type = JSONValue.string(entityType ?? "")
        await check(.history, "history.list records each change", of: [.historyList], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            guard let field = textField else { return "needs a text field to change" }
            let id = try await createEntity("history")
            let created = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": type])["fields"]
            var values = [created?[field]]
            for round in 1...2 {
                let value = JSONValue.string("\(tag) round \(round)")
                _ = try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": type, "fields": [field: value]])
                values.append(value)
            }
            _ = try await call(.entityDelete, ["entityId": .string(id), "entityTypeId": type])
            let mine = try await revisions(.historyList, of: id)
            let kinds = mine.compactMap { $0["revisionType"]?.stringValue }
            guard kinds == ["CREATE", "UPDATE", "UPDATE", "DELETE"] else {
                return "expected the revisions CREATE, UPDATE, UPDATE, DELETE for one create, two updates and a delete, got \(kinds)"
            }
            let changes = mine.map { ($0["fields"]?["oldValue"], $0["fields"]?["newValue"]) }
            if changes[0].0 != DocumentedValues.createOldValue {
                return "expected the CREATE revision's oldValue to be \(DocumentedValues.createOldValue), got \(changes[0].0.map { "\($0)" } ?? "nothing")"
            }
            if changes[0].1?[field] != values[0] {
                return "expected the CREATE revision's newValue to hold the created \(field) \(values[0].map { "\($0)" } ?? "")"
            }
            for round in 1...2 where changes[round].0?[field] != values[round - 1] || changes[round].1?[field] != values[round] {
                return "expected UPDATE revision \(round) to change \(field) from \(values[round - 1].map { "\($0)" } ?? "nothing") to \(values[round].map { "\($0)" } ?? "nothing"), got oldValue \(changes[round].0.map { "\($0)" } ?? "nothing") and newValue \(changes[round].1.map { "\($0)" } ?? "nothing")"
            }
            if changes[3].0 != DocumentedValues.deleteOldValue || changes[3].1 != DocumentedValues.deleteNewValue {
                return "expected the DELETE revision to change \(DocumentedValues.deleteOldValue) to \(DocumentedValues.deleteNewValue), got \(changes[3].0.map { "\($0)" } ?? "nothing") to \(changes[3].1.map { "\($0)" } ?? "nothing")"
            }
            return nil
        }
        await check(.history, "history.comments records each change", of: [.historyComments, .commentAdd], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("comments history")
            _ = try await call(.commentAdd, ["entityTypeId": type, "entityId": .string(id), "comment": ["body": "h"]])
            return try await singleAddition(.historyComments, of: id)
        }
        await check(.history, "history.attachments records each change", of: [.historyAttachments, .attachmentCreate], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("attachments history")
            _ = try await call(.attachmentCreate, ["entityTypeId": type, "entityId": .string(id), "fileName": "h.txt", "content": "aGk="])
            return try await singleAddition(.historyAttachments, of: id)
        }
        await check(.history, "history.links records each change", of: [.historyLinks, .linkUpsert], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let parent = try await createEntity("links history target")
            let child = try await createEntity("links history source")
            _ = try await call(.linkUpsert, linkRequest(child, to: parent))
            let deletes = implements(.linkDelete)
            if deletes { _ = try await call(.linkDelete, unlinkRequest(child, from: parent)) }
            let mine = try await revisions(.historyLinks, of: child)
            guard mine.count == (deletes ? 2 : 1) else {
                return "expected \(deletes ? "2 revisions for a link added and deleted" : "1 revision for a link added"), got \(mine.count)"
            }
            func holdsLink(_ side: JSONValue?) -> Bool {
                side?.arrayValue?.contains { $0["linkedEntityId"]?.stringValue == parent } == true
            }
            if !holdsLink(mine[0]["linkRevision"]?["newValue"]) {
                return "expected the first revision's newValue to hold the link to \(parent), got \(mine[0]["linkRevision"]?["newValue"].map { "\($0)" } ?? "nothing")"
            }
            if deletes, !holdsLink(mine[1]["linkRevision"]?["oldValue"]) {
                return "expected the second revision's oldValue to hold the deleted link to \(parent), got \(mine[1]["linkRevision"]?["oldValue"].map { "\($0)" } ?? "nothing")"
            }
            return nil
        }
    }

    /// "expected 1 revision …" unless the entity has exactly one revision adding one item.
    private func singleAddition(_ operation: StandardOperation, of id: String) async throws(ConnectorHostError) -> String? {
        let mine = try await revisions(operation, of: id)
        guard mine.count == 1 else { return "expected 1 revision for 1 change, got \(mine.count)" }
        let payload = DocumentedValues.revisionPayloads[operation] ?? ""
        let added = mine[0][payload]?["newValue"]?.arrayValue?.count
        return added == 1 ? nil : "expected the revision's \(payload).newValue to hold the 1 item added, got \(added.map { "\($0)" } ?? "none")"
    }
}
