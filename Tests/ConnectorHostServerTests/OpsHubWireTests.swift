import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

/// A client written against OpsHub's "Build Your Own Connector" SDK documents,
/// against the bundled tracker served at `/sdk-api/api/1.0` (one connector per
/// base URL, as OpsHub is configured): each documented request sent as
/// documented, each answer checked field by field.
@Suite(.timeLimit(.minutes(5))) struct OpsHubWireTests {
    static let base = "sdk-api/api/1.0"

    static func start() async throws -> ServerFixture {
        try await ServerFixture.start(development: true, sdkDefaultConnector: "tracker", prepare: { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/plugins/tracker.so"),
                to: directory.appendingPathComponent("plugins/tracker.so")
            )
        })
    }

    /// Session initialisation as OpsHub sends it: the system's settings as
    /// `[{key, value, sensitive}]`. Its database is not the tracker's default,
    /// so that a call running on the defaults would not find its data.
    static func initialize(_ server: ServerFixture, user: String = "alice") async throws -> [String: String] {
        let answer = try await server.request("POST", "\(base)/session", json: [
            ["key": "database", "value": server.directory.appendingPathComponent("opshub.sqlite").path, "sensitive": false],
            ["key": "username", "value": user, "sensitive": false],
        ])
        #expect(answer.status == 200, "\(answer.text)")
        let pairs = try #require((try? JSONSerialization.jsonObject(with: answer.body)) as? [[String: Any]], "\(answer.text)")
        var headers: [String: String] = [:]
        for pair in pairs {
            let key = try #require(pair["key"] as? String)
            #expect(pair["value"] is String, "\(key): value is a string")
            #expect(pair["sensitive"] is Bool, "\(key): sensitive is a boolean")
            headers[key] = pair["value"] as? String
        }
        return headers
    }

    static func errors(_ answer: ServerFixture.Answer) -> [String: Any]? {
        answer.json["errors"] as? [String: Any]
    }

    /// `{"errors": {code, message, detail}}`, every member present.
    static func expectErrorShape(_ answer: ServerFixture.Answer, status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json.count == 1, "only errors: \(answer.text)", sourceLocation: sourceLocation)
        let errors = errors(answer)
        #expect(errors?["code"] is String, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(errors?["message"] is String, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(errors?.keys.contains("detail") == true, "\(answer.text)", sourceLocation: sourceLocation)
    }

    @Test func sessionValuesComeBackAsHeadersAndNameTheSettings() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)
        #expect(session["sessionUser"] == "alice", "the plugin's own pair")
        #expect(session["X-Connector-Session"]?.isEmpty == false, "the server's pair")

        // Every later call carries the pairs as headers, and nothing else.
        let created = try await server.request(
            "POST", "\(Self.base)/entities/bug?projectId=TRK", json: ["fields": ["title": "Crash on save"]], headers: session
        )
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect((created.json["fields"] as? [String: Any])?["createdBy"] as? String == "alice", "the session's user")

        let read = try await server.request("GET", "\(Self.base)/entities/\(id)?entityTypeId=bug&projectId=TRK", headers: session)
        #expect(read.status == 200, "\(read.text)")
        #expect((read.json["fields"] as? [String: Any])?["title"] as? String == "Crash on save")

        // The plugin's defaults are another database: the entity is not there.
        let defaults = try await server.request("GET", "\(Self.base)/entities/\(id)?entityTypeId=bug&projectId=TRK")
        #expect(defaults.status == 404, "\(defaults.text)")

        // Initialising again with the same settings gives the same session value.
        #expect(try await Self.initialize(server)["X-Connector-Session"] == session["X-Connector-Session"])
        await server.stop()
    }

    @Test func aSessionValueTheServerDidNotGiveIsAnInvalidSession() async throws {
        let server = try await Self.start()
        let unknown = try await server.request(
            "GET", "\(Self.base)/server-info", headers: ["X-Connector-Session": UUID().uuidString, "sessionUser": "alice"]
        )
        Self.expectErrorShape(unknown, status: 401)
        #expect(Self.errors(unknown)?["code"] as? String == "unauthorized")
        #expect((Self.errors(unknown)?["message"] as? String)?.contains("initialize a new session") == true)

        // Another caller's session value is not this caller's.
        let session = try await Self.initialize(server)
        let other = try await server.org("globex")
        let borrowed = try await server.request("GET", "\(Self.base)/server-info", token: other, headers: session)
        #expect(borrowed.status != 200, "\(borrowed.text)")
        await server.stop()
    }

    @Test func cleanupLogsTheSessionOut() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)
        #expect(try await server.request("GET", "\(Self.base)/server-info", headers: session).status == 200)

        let sdkSessionId = UUID().uuidString
        let cleanup = try await server.request(
            "POST", "\(Self.base)/cleanup/\(sdkSessionId)?systemId=system-1&cleanupGlobalCache=false", headers: session
        )
        #expect(cleanup.status == 200, "\(cleanup.text)")
        // The session is gone: 401, which makes OpsHub initialise again.
        let after = try await server.request("GET", "\(Self.base)/server-info", headers: session)
        Self.expectErrorShape(after, status: 401)
        let again = try await Self.initialize(server)
        #expect(try await server.request("GET", "\(Self.base)/server-info", headers: again).status == 200)
        // Logging out twice is logging out.
        #expect(try await server.request("POST", "\(Self.base)/cleanup/\(sdkSessionId)", headers: session).status == 200)
        await server.stop()
    }

    @Test func configurationAnswersAsDocumented() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)

        let metadata = try await server.request("GET", "\(Self.base)/connector-metadata", headers: session)
        #expect(metadata.status == 200, "\(metadata.text)")
        #expect(metadata.json["enableFeatures"] is [String])
        let additional = try #require(metadata.json["additionalMetadata"] as? [String: Any])
        #expect(additional["userSearchOnUserNameSupported"] is Bool)
        #expect(additional["userSearchOnEmailSupported"] is Bool)
        let fields = try #require(metadata.json["fields"] as? [[String: Any]])
        #expect(!fields.isEmpty)
        for field in fields {
            for name in ["internalName", "displayName", "tooltip", "required", "fieldType", "lookup", "defaultValue",
                         "validation", "fieldOrder", "parent", "screens"] {
                #expect(field.keys.contains(name), "connector-metadata fields[].\(name)")
            }
            #expect(field["required"] is Bool)
            #expect(field["fieldOrder"] is Int)
            #expect(field["screens"] is [String])
        }

        let info = try await server.request("GET", "\(Self.base)/server-info", headers: session)
        #expect(info.json["timeZone"] is String)
        #expect(info.json["locale"] is String)
        #expect(info.json["maxResults"] is Int)
        let user = try #require(info.json["integrationUserInfo"] as? [String: Any])
        #expect(user["fieldInternalName"] is String)
        #expect(["EMAIL_AS_USER", "USERNAME_AS_USER"].contains(user["userDataType"] as? String))

        let types = try await server.request("GET", "\(Self.base)/entity-types?projectId=TRK", headers: session)
        let list = try #require((try? JSONSerialization.jsonObject(with: types.body)) as? [[String: Any]], "\(types.text)")
        for type in list {
            #expect(type["id"] is String)
            #expect(type["name"] is String)
            #expect(["SOURCE_ONLY", "TARGET_ONLY", "BOTH"].contains(type["direction"] as? String))
            #expect(["CURRENT_STATE", "NON_TIME_BASED", "ENTITY_WISE_HISTORY"].contains(type["pollerType"] as? String))
            #expect(type["isSoftDeleteSupported"] is Bool)
        }

        let settings = try await server.request("GET", "\(Self.base)/entity-types/bug?projectId=TRK", headers: session)
        #expect(["NO_SUB_STEPS", "STATIC_SUB_STEPS", "DYNAMIC_SUB_STEPS"].contains(settings.json["multiStepUpdate"] as? String))
        let webURL = try #require(settings.json["entityWebUrl"] as? [String: Any], "an object: \(settings.text)")
        #expect(webURL["baseUrl"] is String)
        #expect(webURL["trailingTemplate"] is String)
        #expect(webURL["substitutes"] is [String: Any])
        #expect(((settings.json["links"] as? [String: Any])?["rank"] as? [String: Any])?["orderType"] is String)

        let values = try await server.request(
            "GET", "\(Self.base)/metadata/fields/status/values?projectId=TRK&entityTypeId=bug&fieldScope=ENTITY_FIELD", headers: session
        )
        let pairs = try #require((try? JSONSerialization.jsonObject(with: values.body)) as? [[String: Any]], "\(values.text)")
        #expect(pairs.allSatisfy { $0["id"] is String && $0["value"] is String })
        await server.stop()
    }

    @Test func entitiesAnswerAsDocumented() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)
        func call(_ method: String, _ path: String, json: Any? = nil) async throws -> ServerFixture.Answer {
            try await server.request(method, "\(Self.base)/\(path)", json: json, headers: session)
        }
        let created = try await call("POST", "entities/bug?projectId=TRK", json: [
            "fields": ["title": "Title", "description": "Description", "priority": "high"], "mandatoryLinks": [],
        ])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)

        // fieldList: only the fields asked for; expand and fieldList empty: absent.
        let some = try await call("GET", "entities/\(id)?entityTypeId=bug&projectId=TRK&fieldList=title,priority")
        #expect(Set(((some.json["fields"] as? [String: Any]) ?? [:]).keys) == ["title", "priority"], "\(some.text)")
        let all = try await call("GET", "entities/\(id)?entityTypeId=bug&projectId=TRK&expand=&fieldList=")
        #expect(all.status == 200, "\(all.text)")
        #expect(((all.json["fields"] as? [String: Any])?.count ?? 0) > 2)

        // Documented query parameters OpsHub sends empty are absent.
        let page = try await call("POST", "entities/bug/search?projectId=TRK&startIndex=0&maxResults=10&nextPageLink=", json: [:])
        #expect(page.status == 200, "\(page.text)")
        let history = try await call(
            "GET",
            "entities/bug/history?projectId=TRK&entityId=\(id)&since=&maxTime=&notUpdatedByUser=&startIndex=0&maxResults=10&nextPageLink=&orderByDirection=ASC"
        )
        #expect(history.status == 200, "\(history.text)")
        #expect(history.json["revisions"] is [Any])

        // Dynamic sub-steps as documented: no entityId; the status after the rest.
        let steps = try await call("POST", "entities/bug/sub-steps-for-update?projectId=TRK", json: [
            "fields": ["title": "Title", "description": "Description", "priority": "High", "status": "closed"],
        ])
        #expect(steps.status == 200, "\(steps.text)")
        let ordered = try #require((try? JSONSerialization.jsonObject(with: steps.body)) as? [[String: Any]], "\(steps.text)")
        #expect(ordered.count == 2)
        #expect(Set(((ordered.first?["fields"] as? [String: Any]) ?? [:]).keys) == ["title", "description", "priority"])
        #expect((ordered.last?["fields"] as? [String: Any])?["status"] as? String == "closed")

        let users = try await call("GET", "users?email=alice@tracker.example&projectId=TRK")
        let found = try #require((try? JSONSerialization.jsonObject(with: users.body)) as? [[String: Any]], "\(users.text)")
        for name in ["id", "username", "email", "displayName"] {
            #expect(found.first?[name] is String, "users[].\(name)")
        }
        await server.stop()
    }

    @Test func attachmentsAnswerAsDocumented() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)
        let created = try await server.request(
            "POST", "\(Self.base)/entities/bug?projectId=TRK", json: ["fields": ["title": "With a log"]], headers: session
        )
        let id = try #require(created.json["id"] as? String)

        // multipart fileName, file, fileComment; the file part a text/plain one.
        let boundary = "opshub-\(UUID().uuidString)"
        let text = "line one\nline two\n"
        let body = Data("""
            --\(boundary)\r
            Content-Disposition: form-data; name="fileName"\r
            \r
            build.log\r
            --\(boundary)\r
            Content-Disposition: form-data; name="file"; filename="build.log"\r
            Content-Type: text/plain\r
            \r
            \(text)\r
            --\(boundary)\r
            Content-Disposition: form-data; name="fileComment"\r
            \r
            from CI\r
            --\(boundary)--\r

            """.utf8)
        let attached = try await server.request(
            "POST", "\(Self.base)/entities/bug/\(id)/attachments?projectId=TRK", body: body,
            contentType: "multipart/form-data; boundary=\(boundary)", headers: session
        )
        #expect(attached.status == 200, "\(attached.text)")
        for name in ["id", "contentUri", "renderUri", "fileName", "contentType", "createdDate", "createdBy", "fileComment"] {
            #expect(attached.json[name] is String, "attachment.\(name)")
        }
        #expect(attached.json["contentLength"] is Int)
        #expect(attached.json["contentType"] as? String == "text/plain")
        #expect(attached.json["fileName"] as? String == "build.log")
        #expect((attached.json["id"] as? String)?.contains("::") == false)
        let contentUri = try #require(attached.json["contentUri"] as? String)

        let content = try await server.request(
            "GET", "\(Self.base)/entities/bug/attachments/content?projectId=TRK&contentUri=\(contentUri)", headers: session
        )
        #expect(content.status == 200, "\(content.text)")
        #expect(content.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(content.text == Data(text.utf8).base64EncodedString(), "the base64 text itself")
        await server.stop()
    }

    /// Links as OpsHub sends them: every member of each link present, an
    /// internal link's `externalLinkUrl` the empty string, and `rankInfo`.
    @Test func linksAnswerAsDocumented() async throws {
        let server = try await Self.start()
        let session = try await Self.initialize(server)
        func call(_ method: String, _ path: String, json: Any? = nil) async throws -> ServerFixture.Answer {
            try await server.request(method, "\(Self.base)/\(path)", json: json, headers: session)
        }
        var ids: [String] = []
        for title in ["Parent", "First child", "Second child"] {
            let created = try await call("POST", "entities/bug?projectId=TRK", json: ["fields": ["title": title]])
            ids.append(try #require(created.json["id"] as? String, "\(created.text)"))
        }
        let (parent, first, second) = (ids[0], ids[1], ids[2])
        func link(_ child: String, after sibling: String?) async throws -> ServerFixture.Answer {
            var body: [String: Any] = [
                "linkType": "parent",
                "links": [["linkedEntityId": parent, "linkedEntityType": "bug", "linkComment": "",
                           "externalLinkUrl": "", "isExternalLink": false]],
            ]
            if let sibling {
                body["rankInfo"] = ["siblingEntity": ["internalId": sibling, "entityType": "bug", "scopeId": "TRK"],
                                    "rankOperation": "AFTER"]
            }
            return try await call("POST", "entities/bug/\(child)/links?projectId=TRK", json: body)
        }
        let linked = try await link(first, after: nil)
        #expect(linked.status == 200, "\(linked.text)")
        let links = try #require(linked.json["links"] as? [[String: Any]], "\(linked.text)")
        #expect(links.count == 1)
        #expect(links.first?["linkType"] as? String == "parent")
        #expect(links.first?["linkedEntityId"] as? String == parent)
        #expect(try await link(second, after: first).status == 200)

        let siblings = try await call(
            "GET", "entities/bug/\(second)/links/siblings-under-parent-order-by-rank?projectId=TRK&parentEntityId=\(parent)&parentEntityType=bug"
        )
        let ranked = try #require((try? JSONSerialization.jsonObject(with: siblings.body)) as? [[String: Any]], "\(siblings.text)")
        #expect(ranked.map { $0["internalId"] as? String } == [first, second], "rank order, the entity itself included")
        #expect(ranked.allSatisfy { $0["entityType"] is String && $0["scopeId"] is String })

        let deleted = try await call("DELETE", "entities/bug/\(first)/links?projectId=TRK&linkType=parent&linkedEntityId=\(parent)")
        #expect(deleted.status == 200, "\(deleted.text)")
        let history = try await call(
            "GET", "entities/bug/links/history?projectId=TRK&entityId=\(first)&since=&maxTime=&notUpdatedByUser=&startIndex=0&maxResults=10&nextPageLink=&orderByDirection=ASC"
        )
        #expect(history.json["nextPageLinkSupported"] is Bool, "\(history.text)")
        let revisions = try #require(history.json["revisions"] as? [[String: Any]], "\(history.text)")
        #expect(revisions.count == 2, "the link added, then deleted: \(history.text)")
        for revision in revisions {
            for name in ["entityId", "revisionId", "updatedBy", "revisionDateTime", "revisionType"] {
                #expect(revision[name] is String, "revisions[].\(name)")
            }
            let change = try #require(revision["linkRevision"] as? [String: Any])
            #expect(change["oldValue"] is [Any] && change["newValue"] is [Any])
        }
        await server.stop()
    }

    /// Every documented member of a connector-metadata field is there, also
    /// for a connector that leaves the optional ones out (a declarative one).
    @Test func connectorMetadataCarriesEveryDocumentedMember() async throws {
        let server = try await ServerFixture.start(development: true, prepare: { directory in
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("Plugins/host-api/host-api.connector.yaml"),
                to: directory.appendingPathComponent("plugins/host-api.connector.yaml")
            )
        })
        let metadata = try await server.request("GET", "connectors/host-api/sdk-api/api/1.0/connector-metadata")
        #expect(metadata.status == 200, "\(metadata.text)")
        #expect(metadata.json["additionalMetadata"] is [String: Any], "\(metadata.text)")
        let fields = try #require(metadata.json["fields"] as? [[String: Any]], "\(metadata.text)")
        #expect(!fields.isEmpty)
        for field in fields {
            for name in ["internalName", "displayName", "tooltip", "required", "fieldType", "lookup", "defaultValue",
                         "validation", "fieldOrder", "parent", "screens"] {
                #expect(field.keys.contains(name), "connector-metadata fields[].\(name): \(field)")
            }
        }
        await server.stop()
    }

    @Test func tokenFailuresAndUnknownRoutesAnswerTheSDKShape() async throws {
        let server = try await Self.start()
        for path in ["\(Self.base)/server-info", "connectors/tracker/sdk-api/api/1.0/server-info"] {
            // 401 would make OpsHub initialise a new session, 403 wait and retry, forever: 400.
            Self.expectErrorShape(try await server.request("GET", path, token: nil), status: 400)
            Self.expectErrorShape(try await server.request("GET", path, token: "not-a-token"), status: 400)
            Self.expectErrorShape(try await server.request("POST", path), status: 405)
        }
        Self.expectErrorShape(try await server.request("GET", "\(Self.base)/no-such-api"), status: 404)
        Self.expectErrorShape(try await server.request("GET", "connectors/tracker/no-such-api"), status: 404)
        await server.stop()

        // A server serving no connector at the default base says so, in the same shape.
        let plain = try await SDKRoutesTests.start()
        let none = try await plain.request("GET", "\(Self.base)/server-info")
        Self.expectErrorShape(none, status: 404)
        #expect((Self.errors(none)?["message"] as? String)?.contains("--sdk-default-connector") == true)
        await plain.stop()
    }
}
