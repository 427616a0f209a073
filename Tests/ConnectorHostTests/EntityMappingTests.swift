@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

/// A declarative connector's entity mapping against a real ticket system on
/// loopback (Tests/http/tickets_server.py): the standard entity operations
/// served through its operations, the conformance kit passing what applies,
/// and a mapping that breaks the rules.
@Suite(.timeLimit(.minutes(4))) struct EntityMappingTests {
    /// A connector for the ticket server: five operations and one entity type,
    /// whose ID and one field sit at pointers other than their names.
    static func document(port: Int) -> String {
        """
        name: Desk
        base_url: http://127.0.0.1:\(port)
        version: 1.0.0
        auth_type: none
        operations:
          - name: list_tickets
            method: GET
            path: /tickets
            pagination: {type: offset, items: /items, page_size: 20}
          - name: get_ticket
            method: GET
            path: /tickets/{ticket}
            parameters: [{name: ticket, location: path}]
          - {name: create_ticket, method: POST, path: /tickets}
          - name: update_ticket
            method: PATCH
            path: /tickets/{ticket}
            parameters: [{name: ticket, location: path}]
          - name: delete_ticket
            method: DELETE
            path: /tickets/{ticket}
            parameters: [{name: ticket, location: path}]
        entities:
          - id: ticket
            name: Ticket
            id_pointer: /ticket_id
            fields:
              - {name: title, label: Title, type: text, required: true}
              - {name: status, label: Status, type: lookup, values: [open, closed], default: open}
              - {name: points, label: Points, pointer: /details/points, type: number}
            get: get_ticket
            list: list_tickets
            create: create_ticket
            update: update_ticket
            delete: delete_ticket
        """
    }

    static func documentFile(port: Int) throws -> String {
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("desk.connector.yaml")
        try Data(document(port: port).utf8).write(to: file)
        return file.path
    }

    @Test func theConformanceKitPassesEveryCheckThatApplies() async throws {
        let server = try LoopbackServer.start("tickets_server.py")
        let report = await ConformanceKit.run(
            pluginAt: try Self.documentFile(port: server.port), credentials: [], sandbox: TestSupport.sandbox,
            logger: TestSupport.quietLogger
        )
        #expect(report.passed, "\(report.lines.joined(separator: "\n"))")
        #expect(report.plugin == "desk")
        let mandatory = report.checks.filter(\.mandatory)
        #expect(mandatory.allSatisfy { $0.outcome == .pass }, "\(mandatory.filter { $0.outcome != .pass })")
        let entity = report.checks.filter { $0.group == APIGroup.entity.rawValue }
        #expect(entity.count >= 7)
        #expect(entity.allSatisfy { $0.outcome == .pass }, "every entity check runs, nextPageLink included: \(entity)")
        // What the connector does not map is skipped, never failed.
        let skipped = Set(report.checks(.skip).map(\.group))
        #expect(skipped.isSubset(of: ["substeps", "users", "comments", "attachments", "links", "history"]), "\(skipped)")
        withExtendedLifetime(server) {}
    }

    @Test func theCLIRunsTheKitOnADocument() async throws {
        let server = try LoopbackServer.start("tickets_server.py")
        let run = try await CLI.run(["conformance", try Self.documentFile(port: server.port)])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains(" passed, 0 failed"), "\(run.standardOutput)")
        withExtendedLifetime(server) {}
    }

    @Test func entityOperationsGoThroughTheMappedRequests() async throws {
        let server = try LoopbackServer.start("tickets_server.py")
        let host = try await DeclarativeConnectorTests.host(["desk.connector.yaml": Self.document(port: server.port)])
        let desk = try host.connector(named: "desk")
        func call(_ operation: StandardOperation, _ request: JSONValue) async throws(ConnectorHostError) -> JSONValue {
            try JSONValue(parsing: try await desk.call(operation, request: request.bytes, credentials: []))
        }
        let created = try await call(.entityCreate, ["entityTypeId": "ticket", "projectId": "P1", "fields": ["title": "Crash", "points": 3]])
        let id = try #require(created["id"]?.stringValue)
        #expect(created["entityTypeId"] == "ticket" && created["projectId"] == "P1")
        #expect(created["fields"] == ["title": "Crash", "status": "open", "points": 3], "the default applies, points come from /details/points")

        let updated = try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": "ticket", "fields": ["status": "closed", "points": 5]])
        #expect(updated["fields"] == ["title": "Crash", "status": "closed", "points": 5])
        // The server merged {"details": {"points": 5}}: the field went to its pointer.
        let fetched = try await call(.entityGet, ["entityId": .string(id), "entityTypeId": "ticket"])
        #expect(fetched["fields"]?["points"] == 5)

        let unknown = await hostError { () throws(ConnectorHostError) in
            try await call(.entityCreate, ["entityTypeId": "ticket", "fields": ["title": "x", "colour": "red"]])
        }
        #expect(unknown?.code == .invalidRequest)
        #expect(unknown?.message.contains(#""colour" is not a field of ticket"#) == true, "\(unknown?.message ?? "")")
        let badLookup = await hostError { () throws(ConnectorHostError) in
            try await call(.entityUpdate, ["entityId": .string(id), "entityTypeId": "ticket", "fields": ["status": "urgent"]])
        }
        #expect(badLookup?.message.contains(#"must be one of open, closed, got "urgent""#) == true, "\(badLookup?.message ?? "")")
        let noTitle = await hostError { () throws(ConnectorHostError) in
            try await call(.entityCreate, ["entityTypeId": "ticket", "fields": ["points": 1]])
        }
        #expect(noTitle?.message.contains(#"the field "title" of ticket is required"#) == true, "\(noTitle?.message ?? "")")
        let otherType = await hostError { () throws(ConnectorHostError) in
            try await call(.entityGet, ["entityId": .string(id), "entityTypeId": "bug"])
        }
        #expect(otherType?.code == .notFound)

        let settings = try await call(.entityTypeGet, ["entityTypeId": "ticket"])
        #expect(settings["fields"]?.arrayValue?.map { $0["fieldType"] } == ["TEXT", "LOOKUP", "NUMBER"])
        #expect(try await call(.entityTypeList, [:]) == [[
            "id": "ticket", "name": "Ticket", "direction": "BOTH", "pollerType": "CURRENT_STATE", "isSoftDeleteSupported": false,
        ]])
        #expect(try await call(.lookupValues, ["fieldId": "status", "entityTypeId": "ticket"])
            == [["id": "open", "value": "open"], ["id": "closed", "value": "closed"]])

        let deleted = try await call(.entityDelete, ["entityId": .string(id), "entityTypeId": "ticket"])
        #expect(deleted == ["id": .string(id), "deleted": true])
        let gone = await hostError { () throws(ConnectorHostError) in
            try await call(.entityGet, ["entityId": .string(id), "entityTypeId": "ticket"])
        }
        #expect(gone?.code == .notFound)
        // The operations stay functions of their own, paging included.
        let listed = try await DeclarativeConnectorTests.call(host, "desk", "list_tickets")
        #expect(listed["complete"] == true)
        await host.shutdown()
    }

    @Test func aMappingThatBreaksTheRulesListsEveryProblem() {
        let text = """
            name: Bad
            base_url: http://127.0.0.1:1
            auth_type: none
            operations:
              - {name: read, method: GET, path: "/things/{a}/{b}", parameters: [{name: a, location: path}, {name: b, location: path}]}
              - {name: walk, method: GET, path: /things, pagination: {type: cursor, next_cursor: /next}}
              - {name: fetch, method: GET, path: /things}
              - {name: add, method: POST, path: /things, parameters: [{name: kind, location: query, required: true}]}
            entities:
              - id: thing
                id_pointer: id
                fields:
                  - {name: state, type: lookup}
                  - {name: state, type: colour, pointer: state}
                  - {name: size, type: number, default: big}
                get: read
                list: walk
                create: fetch
                delete: {operation: remove}
                update: {operation: add, id_parameter: kind}
              - id: thing
                fields: []
                get: {operation: read, id_parameter: c}
                create: add
            """
        let error = #expect(throws: ConnectorHostError.self) {
            _ = try ConnectorDocument.read(Array(text.utf8), source: "bad.connector.yaml")
        }
        #expect(error?.code == .manifestInvalid)
        for expected in [
            #"entities[0].id_pointer: must be a JSON pointer such as /id, got "id""#,
            "entities[0].fields[0].values: a lookup field lists its values",
            #"entities[0].fields[1].name: "state" is the name of an earlier field"#,
            #"entities[0].fields[1].type: must be one of text, number, lookup, user, got "colour""#,
            #"entities[0].fields[1].pointer: must be a JSON pointer"#,
            "entities[0].fields[2].default: must be a number, got a string",
            "entities[0].get: the operation read has 2 path parameters: name the one that carries the entity's ID with id_parameter",
            "entities[0].list: entity.list asks for a page by startIndex and maxResults",
            "entities[0].create: the operation fetch sends the entity's fields in its body, so it is one of POST, PUT, PATCH, not GET",
            #"entities[0].delete: names no operation of the document: "remove""#,
            #"entities[1].id: "thing" is the ID of an earlier entity type"#,
            "entities[1].fields: must be a list of at least one field, got an empty list",
            #"entities[1].get.id_parameter: "c" is not a parameter of read"#,
            "entities[1].create: the operation add requires the parameter kind, which an entity call does not give: give it a default",
        ] {
            #expect(error?.message.contains(expected) == true, "missing: \(expected) in \(error?.message ?? "")")
        }
        #expect(error?.message.contains("entities[0].update") == false, "the ID parameter needs no default: \(error?.message ?? "")")
    }
}
