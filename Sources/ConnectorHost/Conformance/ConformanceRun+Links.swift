/// links: upsert, delete and sibling rank, all with the hierarchy link type.
extension ConformanceRun {
    /// The request linking `child` to `parent`.
    func linkRequest(_ child: String, to parent: String, rank: JSONValue? = nil) -> JSONValue {
        let type = JSONValue.string(entityType ?? "")
        var request: [String: JSONValue] = [
            "entityTypeId": type, "entityId": .string(child), "linkType": .string(DocumentedValues.hierarchyLinkType),
            "links": [["linkedEntityId": .string(parent), "linkedEntityType": type, "isExternalLink": false]],
        ]
        request["rankInfo"] = rank
        return .object(request)
    }

    /// The request deleting the link from `child` to `parent`.
    func unlinkRequest(_ child: String, from parent: String) -> JSONValue {
        [
            "entityTypeId": .string(entityType ?? ""), "entityId": .string(child),
            "linkType": .string(DocumentedValues.hierarchyLinkType), "linkedEntityId": .string(parent),
        ]
    }

    func checkLinks() async {
        await check(.links, "link.upsert adds a link once", of: [.linkUpsert], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let parent = try await createEntity("link target")
            let child = try await createEntity("link source")
            for round in 1...2 {
                let answer = try await call(.linkUpsert, linkRequest(child, to: parent))
                if let problems = shapeProblems(DocumentedShapes.links, answer) { return problems }
                let matching = answer["links"]?.arrayValue?.filter {
                    $0["linkedEntityId"]?.stringValue == parent && $0["linkType"]?.stringValue == DocumentedValues.hierarchyLinkType
                } ?? []
                if matching.count != 1 {
                    return "expected the entity's links to hold the \(DocumentedValues.hierarchyLinkType) link to \(parent) once after upsert \(round), got it \(matching.count) times"
                }
            }
            return nil
        }
        await check(.links, "link.delete removes the link", of: [.linkDelete, .linkUpsert], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let parent = try await createEntity("unlink target")
            let child = try await createEntity("unlink source")
            _ = try await call(.linkUpsert, linkRequest(child, to: parent))
            let answer = try await call(.linkDelete, unlinkRequest(child, from: parent))
            if let problems = shapeProblems(DocumentedShapes.deleted, answer) { return problems }
            if answer["deleted"]?.boolValue != true { return "expected {\"deleted\": true}, got \(answer)" }
            return await expectFailure(.notFound, .linkDelete, unlinkRequest(child, from: parent), "deleting the link again")
        }
        await check(.links, "link.siblings in rank order", of: [.linkSiblings, .linkUpsert], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let type = JSONValue.string(entityType ?? "")
            let parent = try await createEntity("parent")
            let children = [try await createEntity("child 1"), try await createEntity("child 2"), try await createEntity("child 3")]
            _ = try await call(.linkUpsert, linkRequest(children[0], to: parent))
            _ = try await call(.linkUpsert, linkRequest(children[1], to: parent))
            _ = try await call(.linkUpsert, linkRequest(children[2], to: parent, rank: [
                "siblingEntity": ["internalId": .string(children[0]), "entityType": type], "rankOperation": "BEFORE",
            ]))
            let siblings = try await call(.linkSiblings, [
                "entityTypeId": type, "entityId": .string(children[0]), "parentEntityId": .string(parent), "parentEntityType": type,
            ])
            if let problems = shapeProblems(DocumentedShapes.siblings, siblings) { return problems }
            let order = siblings.arrayValue?.compactMap { $0["internalId"]?.stringValue } ?? []
            let expected = [children[2], children[0], children[1]]
            return order == expected ? nil : "expected the order \(expected) (the third placed BEFORE the first), got \(order)"
        }
    }
}
