import ConnectorHost
import Foundation
import Testing

/// The OpsHub-compatible SDK routes, over HTTP, against the bundled tracker:
/// every route reaches its operation with the path, query and body fields the
/// operation expects.
@Suite(.timeLimit(.minutes(5))) struct SDKRoutesTests {
    static let sdk = "connectors/tracker/sdk-api/api/1.0"

    static func start(configure: (inout HostConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        try await ServerFixture.start(development: true, prepare: { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/plugins/tracker.so"),
                to: directory.appendingPathComponent("plugins/tracker.so")
            )
        }, configure: configure)
    }

    /// The connector-credentials header for a tracker database in the server's directory.
    static func credentials(_ server: ServerFixture, user: String = "integration") throws -> [String: String] {
        let settings: [[String: Any]] = [
            ["key": "database", "value": server.directory.appendingPathComponent("tracker.sqlite").path, "sensitive": false],
            ["key": "username", "value": user, "sensitive": false],
        ]
        let json = try JSONSerialization.data(withJSONObject: settings)
        return ["connector-credentials": String(decoding: json, as: UTF8.self)]
    }

    static func array(_ answer: ServerFixture.Answer) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: answer.body)) as? [[String: Any]] ?? []
    }

    @Test func everyRouteReachesItsOperation() async throws {
        let server = try await Self.start()
        let headers = try Self.credentials(server)
        func sdk(
            _ method: String, _ path: String, json: Any? = nil, body: Data? = nil, contentType: String? = nil
        ) async throws -> ServerFixture.Answer {
            try await server.request(method, "\(Self.sdk)/\(path)", json: json, body: body, contentType: contentType,
                                     headers: headers)
        }

        let session = try await server.request("POST", "\(Self.sdk)/session", json: [
            ["key": "database", "value": server.directory.appendingPathComponent("tracker.sqlite").path, "sensitive": false],
        ])
        #expect(session.status == 200, "\(session.text)")
        #expect(Self.array(session).first?["key"] as? String == "sessionUser", "the settings session.open answered")

        let metadata = try await sdk("GET", "connector-metadata")
        #expect(metadata.status == 200)
        #expect(metadata.json["fields"] is [Any])
        #expect(try await sdk("GET", "server-info").json["maxResults"] as? Int == 50)
        let types = Self.array(try await sdk("GET", "entity-types?projectId=TRK"))
        #expect(types.compactMap { $0["id"] as? String } == ["bug", "task", "story"])
        let settings = try await sdk("GET", "entity-types/bug")
        #expect((settings.json["recovery"] as? [String: Any])?["type"] as? String == "HISTORY_BASED", "\(settings.text)")
        let statuses = Self.array(try await sdk("GET", "metadata/fields/status/values?entityTypeId=bug"))
        #expect(statuses.first?["id"] as? String == "open")

        // Entities: create (201), get, update, search with paging, delete.
        let created = try await sdk("POST", "entities/bug", json: ["fields": ["title": "Crash on save", "priority": "high"]])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let fetched = try await sdk("GET", "entities/\(id)?entityTypeId=bug&fieldList=title,priority")
        #expect((fetched.json["fields"] as? [String: Any])?["title"] as? String == "Crash on save", "\(fetched.text)")
        let updated = try await sdk("PUT", "entities/bug/\(id)", json: ["fields": ["status": "in_progress"]])
        #expect((updated.json["fields"] as? [String: Any])?["status"] as? String == "in_progress", "\(updated.text)")
        let retargeted = try await sdk("PUT", "entities/bug/\(id)", json: ["entityId": "999", "fields": ["priority": "low"]])
        #expect(retargeted.json["id"] as? String == id, "the path names the entity, not the body")
        _ = try await sdk("POST", "entities/bug", json: ["fields": ["title": "Second"]])
        let page = try await sdk("POST", "entities/bug/search?startIndex=0&maxResults=1", json: ["createdBy": "integration"])
        #expect((page.json["entities"] as? [Any])?.count == 1, "\(page.text)")
        #expect(page.json["totalCount"] as? Int == 2)
        let badPage = try await sdk("POST", "entities/bug/search?startIndex=first")
        #expect(badPage.status == 400)
        #expect(badPage.text.contains("query parameter startIndex must be an integer, not 'first'"))

        let steps = Self.array(try await sdk("POST", "entities/bug/sub-steps-for-update?entityId=\(id)",
                                             json: ["fields": ["status": "resolved", "assignee": "alice"]]))
        #expect(steps.count == 2, "status changes after the other fields")
        #expect(Self.array(try await sdk("GET", "users?email=alice@tracker.example")).first?["username"] as? String == "alice")

        // Comments.
        let comment = try await sdk("POST", "entities/bug/\(id)/comments", json: ["body": "Reproduced on 1.2"])
        #expect(comment.json["body"] as? String == "Reproduced on 1.2", "\(comment.text)")
        #expect(Self.array(try await sdk("GET", "entities/bug/\(id)/comments")).count == 1)

        // Attachments: a multipart upload whose bytes round-trip, update, file name, delete.
        let bytes = Data((0..<300).map { UInt8($0 % 256) })
        let (upload, type) = ServerFixture.multipart(file: "dump.bin", data: bytes, fields: [("fileComment", "from CI")])
        let attachment = try await sdk("POST", "entities/bug/\(id)/attachments", body: upload, contentType: type)
        #expect(attachment.json["fileName"] as? String == "dump.bin", "\(attachment.text)")
        #expect(attachment.json["fileComment"] as? String == "from CI")
        let attachmentId = try #require(attachment.json["id"] as? String)
        let contentUri = try #require(attachment.json["contentUri"] as? String)
        let content = try await sdk("GET", "entities/bug/attachments/content?contentUri=\(contentUri)")
        #expect(Data(base64Encoded: content.text) == bytes, "the base64 text itself: \(content.text)")
        let (rename, renameType) = ServerFixture.multipart(file: "dump.bin", data: bytes, fields: [("fileName", "core.bin")])
        let renamed = try await sdk("PUT", "entities/bug/\(id)/attachments?attachmentId=\(attachmentId)", body: rename,
                                    contentType: renameType)
        #expect(renamed.json["fileName"] as? String == "core.bin", "\(renamed.text)")
        let fileName = try await sdk("GET", "attachments/file-name?href=https://tracker.example/files/build%2520log.txt%3Fdownload%3D1")
        #expect(fileName.json["fileName"] as? String == "build log.txt", "\(fileName.text)")
        let (empty, emptyType) = ServerFixture.multipart(file: "x", data: Data(), fields: [])
        let noFile = try await sdk("POST", "entities/bug/\(id)/attachments", body: Data(), contentType: emptyType)
        #expect(noFile.status == 400, "\(noFile.text) \(empty.count)")

        // Links: a parent, ranked siblings, delete.
        let story = try #require(try await sdk("POST", "entities/story", json: ["fields": ["title": "Epic work"]]).json["id"] as? String)
        var children: [String] = []
        for title in ["one", "two"] {
            let task = try #require(try await sdk("POST", "entities/task", json: ["fields": ["title": title]]).json["id"] as? String)
            let linked = try await sdk("POST", "entities/task/\(task)/links", json: [
                "linkType": "parent", "links": [["linkedEntityId": story, "linkedEntityType": "story"]],
            ])
            #expect((linked.json["links"] as? [Any])?.count == 1, "\(linked.text)")
            children.append(task)
        }
        let siblings = Self.array(try await sdk(
            "GET", "entities/task/\(children[0])/links/siblings-under-parent-order-by-rank?parentEntityId=\(story)&parentEntityType=story"
        ))
        #expect(siblings.compactMap { $0["internalId"] as? String } == children)
        let unlinked = try await sdk("DELETE", "entities/task/\(children[1])/links?linkType=parent&linkedEntityId=\(story)")
        #expect(unlinked.json["deleted"] as? Bool == true, "\(unlinked.text)")

        // History of every kind.
        let history = try await sdk("GET", "entities/bug/history?entityId=\(id)&orderByDirection=ASC")
        let revisions = try #require(history.json["revisions"] as? [[String: Any]], "\(history.text)")
        #expect(revisions.compactMap { $0["revisionType"] as? String } == ["CREATE", "UPDATE", "UPDATE"])
        for kind in ["attachments", "comments"] {
            let changes = try await sdk("GET", "entities/bug/\(kind)/history?entityId=\(id)")
            #expect((changes.json["revisions"] as? [Any])?.isEmpty == false, "\(kind): \(changes.text)")
        }
        let links = try await sdk("GET", "entities/task/links/history?entityId=\(children[1])")
        #expect((links.json["revisions"] as? [Any])?.count == 2, "\(links.text)")

        // Soft delete, then the removed attachment and entity answer 404.
        let removed = try await sdk("DELETE", "entities/bug/\(id)/attachments?attachmentId=\(attachmentId)")
        #expect(removed.json["deleted"] as? Bool == true, "\(removed.text)")
        let deleted = try await sdk("DELETE", "entities/bug/\(id)")
        #expect(deleted.json["deleted"] as? Bool == true)
        let gone = try await sdk("GET", "entities/\(id)?entityTypeId=bug")
        #expect(gone.status == 404)
        let errors = try #require(gone.json["errors"] as? [String: Any])
        #expect(errors["code"] as? String == "not_found")
        #expect(errors["message"] is String)
        #expect(try await sdk("GET", "entities/\(id)?entityTypeId=bug&includeDeleted=true").status == 200)
        await server.stop()
    }

    @Test func errorsAnswerTheSDKShape() async throws {
        let server = try await Self.start()
        let unknownUser = try await server.request("GET", "\(Self.sdk)/server-info", headers: try Self.credentials(server, user: "mallory"))
        #expect(unknownUser.status == 401)
        let message = (unknownUser.json["errors"] as? [String: Any])?["message"] as? String
        #expect(message?.hasSuffix("no tracker user named 'mallory'") == true, "\(unknownUser.text)")

        let badHeader = try await server.request("GET", "\(Self.sdk)/server-info", headers: ["connector-credentials": "database=x"])
        #expect(badHeader.status == 400)
        #expect(badHeader.text.contains("the connector-credentials header must be a JSON array"))

        let unknownConnector = try await server.request("GET", "connectors/nope/sdk-api/api/1.0/server-info")
        #expect(unknownConnector.status == 404)
        #expect(unknownConnector.json["errors"] is [String: Any])

        // Not 401, which tells an OpsHub client to open a new session and try
        // again, nor 403, which tells it to wait and try again.
        let noToken = try await server.request("GET", "\(Self.sdk)/server-info", token: nil)
        #expect(noToken.status == 400)
        #expect(noToken.json["errors"] is [String: Any])

        let notAnObject = try await server.request("POST", "\(Self.sdk)/entities/bug", body: Data("[1]".utf8),
                                                   headers: try Self.credentials(server))
        #expect(notAnObject.status == 400)
        #expect(notAnObject.text.contains("the request body must be a JSON object"))
        await server.stop()
    }

    @Test func aRateLimitedCallAnswers429WithRetryAfter() async throws {
        let server = try await Self.start { configuration in
            var tight = ResilienceOverrides()
            tight.rateLimitPerMinute = 2
            configuration.pluginResilience["tracker"] = tight
        }
        let headers = try Self.credentials(server)
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<4 {
            let answer = try await server.request("GET", "\(Self.sdk)/server-info", headers: headers)
            statuses.append(answer.status)
            if answer.status == 429 {
                retryAfter = answer.headers["retry-after"]
                #expect((answer.json["errors"] as? [String: Any])?["code"] as? String == "rate_limited", "\(answer.text)")
            }
        }
        // session.open is a call too: the first server-info uses both allowed calls.
        #expect(statuses.filter { $0 == 200 }.count >= 1)
        #expect(statuses.last == 429)
        let seconds = try #require(retryAfter.flatMap(Int.init), "Retry-After holds whole seconds")
        #expect((1...60).contains(seconds))
        await server.stop()
    }
}
