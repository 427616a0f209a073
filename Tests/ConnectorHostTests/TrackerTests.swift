import ConnectorHost
import Foundation
import Testing

/// The reference connector, driven through the loader and an in-process runtime.
@Suite(.timeLimit(.minutes(5))) struct TrackerTests {
    /// A started host on the bundled plugins and an open tracker session on a
    /// fresh database file.
    struct Fixture {
        let host: ConnectorHost
        let tracker: Connector
        let session: SessionID
        let database: String

        static func make(database: String? = nil) async throws -> Fixture {
            let path = try database ?? TestSupport.temporaryDirectory().appendingPathComponent("tracker.sqlite").path
            let host = try await TestSupport.runningHost(
                configuration: TestSupport.configuration(pluginDirectory: TestSupport.pluginDirectory),
                logger: TestSupport.quietLogger
            )
            let tracker = try host.connector(named: "tracker")
            let session = try await tracker.openSession([SessionSetting(key: "database", value: path)])
            return Fixture(host: host, tracker: tracker, session: session, database: path)
        }

        func call(_ operation: StandardOperation, _ request: [String: Any] = [:]) async throws -> [String: Any] {
            try TestSupport.object(await tracker.call(operation, request: TestSupport.json(request), session: session))
        }

        func create(_ type: String, _ fields: [String: Any]) async throws -> String {
            let entity = try await call(.entityCreate, ["entityTypeId": type, "fields": fields])
            return try #require(entity["id"] as? String)
        }

        func close() async throws {
            try await tracker.closeSession(session)
            await host.shutdown()
        }
    }

    @Test func createThenGetReturnsTheSameEntity() async throws {
        let fixture = try await Fixture.make()
        let created = try await fixture.call(.entityCreate, [
            "entityTypeId": "bug",
            "fields": ["title": "Crash on save", "priority": "high", "assignee": "alice", "severity": "blocker"],
        ])
        let id = try #require(created["id"] as? String)
        let fetched = try await fixture.call(.entityGet, ["entityId": id, "entityTypeId": "bug"])
        #expect(NSDictionary(dictionary: fetched) == NSDictionary(dictionary: created))
        let fields = try #require(fetched["fields"] as? [String: Any])
        #expect(fields["title"] as? String == "Crash on save")
        #expect(fields["status"] as? String == "open", "the default status")
        #expect(fields["createdBy"] as? String == "integration")
        #expect(fetched["revision"] as? Int == 1)
        try await fixture.close()
    }

    @Test func updateMergesFieldsAndClearsNulls() async throws {
        let fixture = try await Fixture.make()
        let id = try await fixture.create("task", ["title": "Write docs", "estimateHours": 3, "assignee": "bob"])
        let updated = try await fixture.call(.entityUpdate, [
            "entityId": id, "entityTypeId": "task",
            "fields": ["status": "in_progress", "assignee": NSNull()],
        ])
        let fields = try #require(updated["fields"] as? [String: Any])
        #expect(fields["status"] as? String == "in_progress")
        #expect(fields["title"] as? String == "Write docs", "untouched fields stay")
        #expect(fields["estimateHours"] as? Int == 3)
        #expect(fields["assignee"] == nil, "null clears a field")
        #expect(updated["revision"] as? Int == 2)
        try await fixture.close()
    }

    @Test func invalidInputIsRejectedWithTheReason() async throws {
        let fixture = try await Fixture.make()
        let cases: [([String: Any], String)] = [
            (["entityTypeId": "bug", "fields": ["title": "x", "priority": "urgent"]],
             "field 'priority' must be one of low, medium, high, critical; got 'urgent'"),
            (["entityTypeId": "bug", "fields": ["priority": "low"]], "field 'title' is required to create a bug"),
            (["entityTypeId": "bug", "fields": ["title": "x", "storyPoints": 3]],
             "'storyPoints' is not a field of entity type bug"),
            (["entityTypeId": "story", "fields": ["title": "x", "storyPoints": "three"]],
             "field 'storyPoints' must be a number of at least 0"),
            (["entityTypeId": "bug", "fields": ["title": "x", "assignee": "mallory"]],
             "field 'assignee' must name a tracker user"),
            (["entityTypeId": "bug", "fields": "title"], "fields must be a JSON object"),
            (["fields": ["title": "x"]], "entityTypeId (a string: bug, task or story) is required"),
        ]
        for (request, message) in cases {
            let error = await #expect(throws: ConnectorHostError.self) {
                _ = try await fixture.call(.entityCreate, request)
            }
            #expect(error?.code == .invalidRequest)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        }
        let unknownType = await #expect(throws: ConnectorHostError.self) {
            _ = try await fixture.call(.entityCreate, ["entityTypeId": "epic", "fields": ["title": "x"]])
        }
        #expect(unknownType?.code == .notFound)
        try await fixture.close()
    }

    @Test func listPagesWithoutDuplicatesOrGaps() async throws {
        let fixture = try await Fixture.make()
        var created: [String] = []
        for number in 1...23 {
            created.append(try await fixture.create("story", ["title": "Story \(number)", "storyPoints": number]))
        }
        _ = try await fixture.create("bug", ["title": "not a story"])

        // By startIndex.
        var seen: [String] = []
        var start = 0
        while true {
            let page = try await fixture.call(.entityList, ["entityTypeId": "story", "startIndex": start, "maxResults": 5])
            let entities = try #require(page["entities"] as? [[String: Any]])
            #expect(page["totalCount"] as? Int == 23)
            #expect(page["startIndex"] as? Int == start)
            #expect(entities.count <= 5, "maxResults is honoured")
            seen += entities.compactMap { $0["id"] as? String }
            if entities.count < 5 { break }
            start += 5
        }
        #expect(seen == created)

        // By nextPageLink.
        var linked: [String] = []
        var request: [String: Any] = ["entityTypeId": "story", "maxResults": 7]
        while true {
            let page = try await fixture.call(.entityList, request)
            linked += try #require(page["entities"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            guard let link = page["nextPageLink"] as? String else { break }
            request["nextPageLink"] = link
        }
        #expect(linked == created)

        // More than the server's maxResults is capped at it.
        let capped = try await fixture.call(.entityList, ["entityTypeId": "story", "maxResults": 500])
        #expect(capped["maxResults"] as? Int == 50)
        try await fixture.close()
    }

    @Test func softDeleteHidesTheEntityButKeepsIt() async throws {
        let fixture = try await Fixture.make()
        let id = try await fixture.create("bug", ["title": "Obsolete"])
        let deleted = try await fixture.call(.entityDelete, ["entityId": id, "entityTypeId": "bug"])
        #expect(deleted["deleted"] as? Bool == true)

        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await fixture.call(.entityGet, ["entityId": id])
        }
        #expect(error?.code == .notFound)
        let kept = try await fixture.call(.entityGet, ["entityId": id, "includeDeleted": true])
        #expect(kept["deleted"] as? Bool == true)

        let list = try await fixture.call(.entityList, ["entityTypeId": "bug"])
        #expect((list["entities"] as? [Any])?.isEmpty == true)
        let withDeleted = try await fixture.call(.entityList, ["entityTypeId": "bug", "includeDeleted": true])
        #expect((withDeleted["entities"] as? [Any])?.count == 1)

        let again = await #expect(throws: ConnectorHostError.self) {
            _ = try await fixture.call(.entityDelete, ["entityId": id])
        }
        #expect(again?.code == .notFound)
        try await fixture.close()
    }

    @Test func configurationAnswers() async throws {
        let fixture = try await Fixture.make()
        let info = try await fixture.call(.serverInfo)
        #expect(info["maxResults"] as? Int == 50)
        #expect(info["timeZone"] as? String == "UTC")

        let types = try TestSupport.array(await fixture.tracker.call(.entityTypeList, session: fixture.session))
        #expect(types.compactMap { $0["id"] as? String } == ["bug", "task", "story"])
        #expect(types.allSatisfy { $0["isSoftDeleteSupported"] as? Bool == true })

        let settings = try await fixture.call(.entityTypeGet, ["entityTypeId": "bug"])
        #expect((settings["recovery"] as? [String: Any])?["type"] as? String == "HISTORY_BASED")

        let statuses = try TestSupport.array(await fixture.tracker.call(
            .lookupValues, request: TestSupport.json(["fieldId": "status", "entityTypeId": "bug"]), session: fixture.session
        ))
        #expect(statuses.compactMap { $0["id"] as? String } == ["open", "in_progress", "resolved", "closed"])
        #expect(statuses.first?["value"] as? String == "Open")

        let users = try TestSupport.array(await fixture.tracker.call(
            .lookupValues, request: TestSupport.json(["fieldId": "assignee"]), session: fixture.session
        ))
        #expect(users.compactMap { $0["id"] as? String } == ["alice", "bob", "integration"])

        let noLookup = await #expect(throws: ConnectorHostError.self) {
            _ = try await fixture.tracker.call(
                .lookupValues, request: TestSupport.json(["fieldId": "title"]), session: fixture.session
            )
        }
        #expect(noLookup?.code == .notFound)

        let metadata = try TestSupport.object(await fixture.tracker.call(.metadataGet, session: nil))
        #expect((metadata["fields"] as? [[String: Any]])?.first?["internalName"] as? String == "database")
        try await fixture.close()
    }

    @Test func storageOutlivesTheSession() async throws {
        let first = try await Fixture.make()
        let id = try await first.create("bug", ["title": "Persisted"])
        try await first.close()

        let second = try await Fixture.make(database: first.database)
        let fetched = try await second.call(.entityGet, ["entityId": id])
        #expect((fetched["fields"] as? [String: Any])?["title"] as? String == "Persisted")
        try await second.close()
    }

    @Test func sessionNeedsAKnownUser() async throws {
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: TestSupport.pluginDirectory), logger: TestSupport.quietLogger
        )
        let database = try TestSupport.temporaryDirectory().appendingPathComponent("t.sqlite").path
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await host.connector(named: "tracker").openSession([
                SessionSetting(key: "database", value: database), SessionSetting(key: "username", value: "mallory"),
            ])
        }
        #expect(error?.code == .unauthorized)
        #expect(error?.message.contains("no tracker user named 'mallory'") == true)
        await host.shutdown()
    }
}
