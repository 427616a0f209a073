import Foundation

/// The optional groups a plugin declares: substeps, users, comments,
/// attachments, links, history.
extension ConformanceRun {
    func checkOptionalGroups() async {
        let groups: [(APIGroup, () async -> Void)] = [
            (.substeps, checkSubsteps), (.users, checkUsers), (.comments, checkComments),
            (.attachments, checkAttachments), (.links, checkLinks), (.history, checkHistory),
        ]
        // Whether an entity can be made, probed for the first declared group only.
        var canMakeEntities: Bool?
        for (group, checks) in groups {
            guard connector.description.capabilities.contains(group) else {
                skip(group, "\(group.rawValue)", "the plugin does not implement this group")
                continue
            }
            if canMakeEntities == nil {
                canMakeEntities = session != nil && entityType != nil ? await newFields("probe") != nil : false
            }
            guard canMakeEntities == true else {
                skip(group, "\(group.rawValue)", "needs a session and a valid entity, which the mandatory checks did not give")
                continue
            }
            await checks()
        }
    }

    private var type: String { entityType ?? "" }

    private func checkSubsteps() async {
        guard implements(.substepList) else { return }
        await check(.substeps, "substep.list answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("substeps")
            let field = textField ?? "title"
            let steps = try await call(.substepList, [
                "entityTypeId": .string(type), "entityId": .string(id), "fields": [field: .string("\(tag) step")],
            ])
            if let problems = shapeProblems(DocumentedShapes.substeps, steps) { return problems }
            return steps.arrayValue?.isEmpty == false ? nil : "expected at least one step, got none"
        }
    }

    private func checkUsers() async {
        guard implements(.userSearch) else { return }
        await check(.users, "user.search answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            shapeProblems(DocumentedShapes.users, try await call(.userSearch, ["username": .string("\(tag)-nobody")]))
        }
        await check(.users, "user.search with two filters is invalid") { () async throws(ConnectorHostError) -> String? in
            let code = await failureCode(.userSearch, ["username": "a", "email": "a@example.com"])
            return code == .invalidRequest ? nil : "expected invalid_request, got \(code.map { "\($0)" } ?? "an answer")"
        }
    }

    private func checkComments() async {
        guard implements(.commentAdd), implements(.commentList) else { return }
        await check(.comments, "comment.add then comment.list") { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("comments")
            let body = "\(tag) comment"
            let added = try await call(.commentAdd, [
                "entityTypeId": .string(type), "entityId": .string(id), "comment": ["body": .string(body)],
            ])
            if let problems = shapeProblems(DocumentedShapes.comment, added) { return problems }
            let listed = try await call(.commentList, ["entityTypeId": .string(type), "entityId": .string(id)])
            return listed.arrayValue?.contains { $0["body"]?.stringValue == body } == true
                ? nil : "expected comment.list to hold the added comment"
        }
    }

    private func checkAttachments() async {
        guard implements(.attachmentCreate), implements(.attachmentGet) else { return }
        let bytes = (0..<512).map { UInt8($0 % 256) }
        var attachmentId: String?
        await check(.attachments, "attachment bytes round trip") { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("attachments")
            let created = try await call(.attachmentCreate, [
                "entityTypeId": .string(type), "entityId": .string(id), "fileName": "conformance.bin",
                "contentType": "application/octet-stream", "content": .string(Base64.encode(bytes)),
            ])
            if let problems = shapeProblems(DocumentedShapes.attachment, created) { return problems }
            attachmentId = created["id"]?.stringValue
            guard let uri = created["contentUri"]?.stringValue else { return "attachment.create answered no contentUri" }
            let content = try await call(.attachmentGet, ["entityTypeId": .string(type), "contentUri": .string(uri)])
            if let problems = shapeProblems(DocumentedShapes.attachmentContent, content) { return problems }
            guard let text = content["content"]?.stringValue, let back = Base64.decode(text) else {
                return "expected base64 content, got something else"
            }
            guard back == bytes else {
                let index = zip(back, bytes).enumerated().first { $1.0 != $1.1 }?.offset ?? min(back.count, bytes.count)
                return "expected the 512 bytes written; they differ from byte \(index) (\(back.count) bytes came back)"
            }
            return nil
        }
        if implements(.attachmentDelete), let attachmentId {
            await check(.attachments, "attachment.delete") { () async throws(ConnectorHostError) -> String? in
                _ = try await call(.attachmentDelete, ["entityTypeId": .string(type), "attachmentId": .string(attachmentId)])
                let code = await failureCode(.attachmentGet, ["entityTypeId": .string(type), "contentUri": .string("attachment:\(attachmentId)")])
                return code == .notFound || code == nil ? nil : "expected the deleted attachment to be not_found, got \(code.map { "\($0)" } ?? "")"
            }
        }
        if implements(.attachmentFileName) {
            await check(.attachments, "attachment.file_name parses an href") { () async throws(ConnectorHostError) -> String? in
                let answer = try await call(.attachmentFileName, ["href": "https://example.com/files/build%20log.txt?download=1"])
                let name = answer["fileName"]?.stringValue
                return name == "build log.txt" ? nil : "expected \"build log.txt\", got \(name.map { "\"\($0)\"" } ?? "nothing")"
            }
        }
    }

    private func checkLinks() async {
        guard implements(.linkUpsert), implements(.linkSiblings) else { return }
        await check(.links, "link.siblings in rank order") { () async throws(ConnectorHostError) -> String? in
            let parent = try await createEntity("parent")
            let children = [try await createEntity("child 1"), try await createEntity("child 2"), try await createEntity("child 3")]
            func link(_ child: String, rank: JSONValue? = nil) async throws(ConnectorHostError) {
                var request: [String: JSONValue] = [
                    "entityTypeId": .string(type), "entityId": .string(child), "linkType": "parent",
                    "links": [["linkedEntityId": .string(parent), "linkedEntityType": .string(type), "isExternalLink": false]],
                ]
                request["rankInfo"] = rank
                _ = try await call(.linkUpsert, .object(request))
            }
            try await link(children[0])
            try await link(children[1])
            try await link(children[2], rank: ["siblingEntity": ["internalId": .string(children[0]), "entityType": .string(type)],
                                               "rankOperation": "BEFORE"])
            let siblings = try await call(.linkSiblings, [
                "entityTypeId": .string(type), "entityId": .string(children[0]),
                "parentEntityId": .string(parent), "parentEntityType": .string(type),
            ])
            if let problems = shapeProblems(DocumentedShapes.siblings, siblings) { return problems }
            let order = siblings.arrayValue?.compactMap { $0["internalId"]?.stringValue } ?? []
            let expected = [children[2], children[0], children[1]]
            return order == expected ? nil : "expected the order \(expected) (the third placed BEFORE the first), got \(order)"
        }
    }

    private func checkHistory() async {
        guard implements(.historyList) else { return }
        await check(.history, "history.list records each change") { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("history")
            guard let field = textField else { return "needs a text field to change" }
            for round in 1...2 {
                _ = try await call(.entityUpdate, [
                    "entityId": .string(id), "entityTypeId": .string(type), "fields": [field: .string("\(tag) round \(round)")],
                ])
            }
            let page = try await call(.historyList, [
                "entityTypeId": .string(type), "entityId": .string(id), "startIndex": 0,
                "maxResults": .integer(Int64(maxResults)), "orderByDirection": "ASC",
            ])
            if let problems = shapeProblems(DocumentedShapes.historyPage, page) { return problems }
            let mine = page["revisions"]?.arrayValue?.filter { $0["entityId"]?.stringValue == id } ?? []
            let kinds = mine.compactMap { $0["revisionType"]?.stringValue }
            return kinds == ["CREATE", "UPDATE", "UPDATE"] ? nil
                : "expected the revisions CREATE, UPDATE, UPDATE for one create and two updates, got \(kinds)"
        }
        for (operation, label, write) in [
            (StandardOperation.historyComments, "comments", StandardOperation.commentAdd),
            (.historyAttachments, "attachments", .attachmentCreate),
        ] where implements(operation) && implements(write) {
            await check(.history, "\(operation.rawValue) records each change") { () async throws(ConnectorHostError) -> String? in
                let id = try await createEntity("\(label) history")
                if write == .commentAdd {
                    _ = try await call(.commentAdd, ["entityTypeId": .string(type), "entityId": .string(id), "comment": ["body": "h"]])
                } else {
                    _ = try await call(.attachmentCreate, [
                        "entityTypeId": .string(type), "entityId": .string(id), "fileName": "h.txt", "content": "aGk=",
                    ])
                }
                let page = try await call(operation, [
                    "entityTypeId": .string(type), "entityId": .string(id), "startIndex": 0,
                    "maxResults": .integer(Int64(maxResults)),
                ])
                if let problems = shapeProblems(DocumentedShapes.historyPage, page) { return problems }
                let count = page["revisions"]?.arrayValue?.filter { $0["entityId"]?.stringValue == id }.count ?? 0
                return count == 1 ? nil : "expected 1 revision for 1 change, got \(count)"
            }
        }
    }
}
