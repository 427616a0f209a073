/// comments: a comment added is listed.
extension ConformanceRun {
    func checkComments() async {
        let type = JSONValue.string(entityType ?? "")
        await check(.comments, "comment.add then comment.list", of: [.commentAdd, .commentList], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let id = try await createEntity("comments")
            let body = "\(tag) comment"
            let added = try await call(.commentAdd, ["entityTypeId": type, "entityId": .string(id), "comment": ["body": .string(body)]])
            if let problems = shapeProblems(DocumentedShapes.comment, added) { return problems }
            let listed = try await call(.commentList, ["entityTypeId": type, "entityId": .string(id)])
            return listed.arrayValue?.contains { $0["body"]?.stringValue == body } == true
                ? nil : "expected comment.list to hold the added comment"
        }
    }
}
