/// attachments: bytes round trip, update, delete, file names from links.
extension ConformanceRun {
    /// 512 bytes, every value twice: a content that survives only an exact round trip.
    private static let content = (0..<512).map { UInt8($0 % 256) }

    /// Creates an attachment on a new entity; its answer.
    private func createAttachment(_ label: String, _ bytes: [UInt8] = content) async throws(ConnectorHostError) -> JSONValue {
        let id = try await createEntity(label)
        return try await call(.attachmentCreate, [
            "entityTypeId": .string(entityType ?? ""), "entityId": .string(id), "fileName": "conformance.bin",
            "contentType": "application/octet-stream", "content": .string(Base64.encode(bytes)),
        ])
    }

    /// What differs between the bytes attachment.get answers for `uri` and `expected`; nil when none.
    private func contentProblem(_ uri: String, _ expected: [UInt8]) async throws(ConnectorHostError) -> String? {
        let content = try await call(.attachmentGet, ["entityTypeId": .string(entityType ?? ""), "contentUri": .string(uri)])
        if let problems = shapeProblems(DocumentedShapes.attachmentContent, content) { return problems }
        guard let text = content["content"]?.stringValue, let back = Base64.decode(text) else {
            return "expected base64 content, got something else"
        }
        guard back == expected else {
            let index = zip(back, expected).enumerated().first { $1.0 != $1.1 }?.offset ?? min(back.count, expected.count)
            return "expected the \(expected.count) bytes written; they differ from byte \(index) (\(back.count) bytes came back)"
        }
        return nil
    }

    func checkAttachments() async {
        let type = JSONValue.string(entityType ?? "")
        await check(.attachments, "attachment bytes round trip", of: [.attachmentCreate, .attachmentGet], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let created = try await createAttachment("attachments")
            if let problems = shapeProblems(DocumentedShapes.attachment, created) { return problems }
            guard let uri = created["contentUri"]?.stringValue else { return "attachment.create answered no contentUri" }
            return try await contentProblem(uri, Self.content)
        }
        await check(.attachments, "attachment.update changes what it is given", of: [.attachmentUpdate, .attachmentCreate, .attachmentGet], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let created = try await createAttachment("attachment update")
            guard let id = created["id"]?.stringValue else { return "attachment.create answered without an id" }
            // Another length than the original's: what the update wrote shows
            // without depending on the exact bytes, which the round trip checks.
            let replacement = Array(Self.content.prefix(100))
            let updated = try await call(.attachmentUpdate, [
                "entityTypeId": type, "attachmentId": .string(id), "fileName": "renamed.bin",
                "content": .string(Base64.encode(replacement)),
            ])
            if let problems = shapeProblems(DocumentedShapes.attachment, updated) { return problems }
            if updated["fileName"]?.stringValue != "renamed.bin" {
                return "expected fileName \"renamed.bin\" after the update, got \(updated["fileName"].map { "\($0)" } ?? "nothing")"
            }
            if let kept = created["contentType"], updated["contentType"] != kept {
                return "expected contentType, which the update did not give, to stay \(kept); got \(updated["contentType"].map { "\($0)" } ?? "nothing")"
            }
            guard let uri = updated["contentUri"]?.stringValue else { return "attachment.update answered no contentUri" }
            let content = try await call(.attachmentGet, ["entityTypeId": type, "contentUri": .string(uri)])
            let length = content["content"]?.stringValue.flatMap(Base64.decode)?.count
            return length == replacement.count ? nil
                : "expected attachment.get to answer the \(replacement.count) bytes the update gave, got \(length.map { "\($0) bytes" } ?? "no base64 content")"
        }
        await check(.attachments, "attachment.delete", of: [.attachmentDelete, .attachmentCreate, .attachmentGet], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            let created = try await createAttachment("attachment delete")
            guard let id = created["id"]?.stringValue, let uri = created["contentUri"]?.stringValue else {
                return "attachment.create answered without an id and a contentUri"
            }
            let answer = try await call(.attachmentDelete, ["entityTypeId": type, "attachmentId": .string(id)])
            if let problems = shapeProblems(DocumentedShapes.deleted, answer) { return problems }
            return await expectFailure(.notFound, .attachmentGet, ["entityTypeId": type, "contentUri": .string(uri)], "a deleted attachment")
        }
        await check(.attachments, "attachment.file_name parses an href", of: [.attachmentFileName], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            let answer = try await call(.attachmentFileName, ["href": "https://example.com/files/build%20log.txt?download=1"])
            let name = answer["fileName"]?.stringValue
            return name == "build log.txt" ? nil : "expected \"build log.txt\", got \(name.map { "\"\($0)\"" } ?? "nothing")"
        }
    }
}
