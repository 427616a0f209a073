@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// The typed operations against the bundled tracker, in a sandbox worker: each
/// method builds the documented request and the tracker answers it.
@Suite(.timeLimit(.minutes(5))) struct ConnectorAPITests {
    static func api(in directory: URL? = nil) async throws -> (ConnectorHost, ConnectorAPI) {
        let directory = try directory ?? TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["tracker.so": TestSupport.plugin("tracker")])
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: TestSupport.quietLogger
        )
        let credentials = [SessionSetting(key: "database", value: directory.appendingPathComponent("t.sqlite").path)]
        return (host, try host.connector(named: "tracker").api(credentials: credentials))
    }

    @Test func configurationAndEntities() async throws {
        let (host, api) = try await Self.api()
        #expect(try await api.connectorMetadata()["fields"]?.arrayValue?.isEmpty == false)
        #expect(try await api.serverInfo()["maxResults"]?.integerValue == 50)
        #expect(try await api.entityTypes().arrayValue?.count == 3)
        #expect(try await api.entityType("bug")["recovery"]?["type"]?.stringValue == "HISTORY_BASED")
        #expect(try await api.lookupValues(fieldId: "priority")[0]?["id"]?.stringValue == "low")

        let bug = try await api.createEntity(type: "bug", fields: ["title": "Crash on save", "priority": "high"])
        let id = try #require(bug["id"]?.stringValue)
        #expect(try await api.entity(id, type: "bug")["fields"]?["title"]?.stringValue == "Crash on save")
        let updated = try await api.updateEntity(id, type: "bug", fields: ["priority": nil])
        #expect(updated["fields"]?["priority"] == nil || updated["fields"]?["priority"] == .null)
        let second = try #require(try await api.createEntity(type: "bug", fields: ["title": "Second"])["id"]?.stringValue)
        let page = try await api.listEntities(type: "bug", maxResults: 1)
        #expect(page["entities"]?.arrayValue?.count == 1)
        #expect(page["totalCount"]?.integerValue == 2)
        #expect(try await api.deleteEntity(id, type: "bug")["deleted"]?.boolValue == true)
        let gone = await #expect(throws: ConnectorHostError.self) { _ = try await api.entity(id, type: "bug") }
        #expect(gone?.code == .notFound)

        let steps = try await api.substeps(type: "bug", entityId: second, fields: ["status": "resolved", "assignee": "alice"])
        #expect(steps.arrayValue?.count == 2)
        #expect(try await api.users(username: "bob")[0]?["email"]?.stringValue == "bob@tracker.example")
        let neither = await #expect(throws: ConnectorHostError.self) { _ = try await api.users() }
        #expect(neither?.code == .invalidRequest)
        await host.shutdown()
    }

    @Test func commentsAttachmentsLinksAndHistory() async throws {
        let (host, api) = try await Self.api()
        let id = try #require(try await api.createEntity(type: "task", fields: ["title": "Child"])["id"]?.stringValue)

        _ = try await api.addComment(to: id, type: "task", body: "Looks good")
        #expect(try await api.comments(of: id, type: "task")[0]?["body"]?.stringValue == "Looks good")

        let bytes: [UInt8] = Array(0...255)
        let attachment = try await api.createAttachment(on: id, type: "task", fileName: "all.bin", content: bytes)
        let attachmentId = try #require(attachment["id"]?.stringValue)
        let uri = try #require(attachment["contentUri"]?.stringValue)
        let content = try await api.attachmentContent(contentUri: uri, type: "task")["content"]?.stringValue
        #expect(content.flatMap { Data(base64Encoded: $0) }.map(Array.init) == bytes)
        let renamed = try await api.updateAttachment(attachmentId, type: "task", fileName: "renamed.bin")
        #expect(renamed["fileName"]?.stringValue == "renamed.bin")
        #expect(try await api.attachmentFileName(href: "https://x.example/a/b%20c.txt?x=1")["fileName"]?.stringValue == "b c.txt")
        #expect(try await api.deleteAttachment(attachmentId, type: "task")["deleted"]?.boolValue == true)

        let story = try #require(try await api.createEntity(type: "story", fields: ["title": "Parent"])["id"]?.stringValue)
        let linked = try await api.upsertLinks(on: id, type: "task", linkType: "parent", links: [
            ["linkedEntityId": .string(story), "linkedEntityType": "story"],
        ])
        #expect(linked["links"]?.arrayValue?.count == 1)
        let siblings = try await api.siblings(of: id, type: "task", parentEntityId: story, parentEntityType: "story")
        #expect(siblings[0]?["internalId"]?.stringValue == id)
        #expect(try await api.deleteLink(on: id, type: "task", linkType: "parent", linkedEntityId: story)["deleted"]?.boolValue == true)

        let history = try await api.history(type: "task", entityId: id)
        #expect(history["revisions"]?[0]?["revisionType"]?.stringValue == "CREATE")
        for kind in [ConnectorAPI.HistoryKind.attachments, .comments, .links] {
            let revisions = try await api.history(kind, type: "task", entityId: id)["revisions"]?.arrayValue ?? []
            #expect(!revisions.isEmpty, "\(kind)")
        }
        await host.shutdown()
    }

    /// The tracker keeps a SQLite write-ahead log while a connection is open,
    /// and removes it when the last one closes: the session is closed.
    @Test func shutdownClosesThePooledSessions() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let (host, api) = try await Self.api(in: directory)
        _ = try await api.createEntity(type: "bug", fields: ["title": "Open a session"])
        let log = directory.appendingPathComponent("t.sqlite-wal").path
        #expect(FileManager.default.fileExists(atPath: log), "a session holds the database open")
        await host.shutdown()
        #expect(!FileManager.default.fileExists(atPath: log), "shutdown closed the session")
    }
}
