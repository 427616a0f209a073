import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// Connector documents uploaded to the catalogue, through the real server:
/// checked before anything is stored, stored and served like a `.so`, their
/// icon checked and kept, their slug fixed once published. The end system is
/// the ticket server of Tests/http (tickets_server.py), on loopback.
@Suite(.timeLimit(.minutes(5))) struct DeclarativeUploadTests {
    static let svg = Data(##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#4a8"/></svg>"##.utf8)

    /// The ticket connector of EntityMappingTests under `registration`, with `slug` and `version`.
    static func document(
        registration: [String: Any], port: Int, slug: String = "desk", version: String = "1.0.0", icon: String? = "desk.svg"
    ) -> String {
        """
        name: Desk
        slug: \(slug)
        version: \(version)
        \(icon.map { "icon: \($0)" } ?? "")
        base_url: http://127.0.0.1:\(port)
        auth_type: none
        registration:
          key: \(registration["key"] as? String ?? "")
          secret: \(registration["secret"] as? String ?? "")
          endpoint_entity_id: \(registration["endpointEntityId"] as? String ?? "")
          function_entity_start_id: \(registration["functionEntityStartId"] as? String ?? "")
          function_entity_end_id: \(registration["functionEntityEndId"] as? String ?? "")
        operations:
          - {name: list_tickets, method: GET, path: /tickets, pagination: {type: offset, items: /items}}
          - {name: get_ticket, method: GET, path: "/tickets/{ticket}", parameters: [{name: ticket, location: path}]}
          - {name: create_ticket, method: POST, path: /tickets}
          - {name: update_ticket, method: PATCH, path: "/tickets/{ticket}", parameters: [{name: ticket, location: path}]}
          - {name: delete_ticket, method: DELETE, path: "/tickets/{ticket}", parameters: [{name: ticket, location: path}]}
        entities:
          - id: ticket
            id_pointer: /ticket_id
            fields:
              - {name: title, type: text, required: true}
              - {name: status, type: lookup, values: [open, closed], default: open}
            get: get_ticket
            list: list_tickets
            create: create_ticket
            update: update_ticket
            delete: delete_ticket
        """
    }

    /// A multipart body of files, each under the field name `file` or `icon`.
    static func multipart(_ files: [(field: String, name: String, data: Data)]) -> (Data, String) {
        let boundary = "boundary-\(UUID().uuidString)"
        var body = Data()
        for file in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    static func upload(
        _ server: ServerFixture, token: String, _ files: [(field: String, name: String, data: Data)]
    ) async throws -> ServerFixture.Answer {
        let (body, type) = multipart(files)
        return try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
    }

    static func register(_ server: ServerFixture, token: String, name: String = "desk") async throws -> [String: Any] {
        try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": name, "version": "1.0.0"]).json
    }

    static func errorMessage(_ answer: ServerFixture.Answer) -> String {
        (answer.json["params"] as? [String: Any])?["errmsg"] as? String ?? answer.text
    }

    @Test func aDocumentIsStoredServedAndPublishedWithItsIcon() async throws {
        let tickets = try LoopbackServer.start("tickets_server.py")
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registration = try await Self.register(server, token: token)
        let document = Data(Self.document(registration: registration, port: tickets.port).utf8)

        let uploaded = try await Self.upload(server, token: token, [
            ("file", "desk.connector.yaml", document), ("icon", "desk.svg", Self.svg),
        ])
        #expect(uploaded.status == 200, "\(uploaded.text)")
        let entry = try #require(try await server.request("GET", "v2/connectors/read/desk-1.0.0", token: token).json["result"] as? [String: Any])
        #expect(entry["status"] as? String == "Draft")
        #expect(entry["iconurl"] as? String == "data:image/svg+xml;base64,\(Self.svg.base64EncodedString())", "the icon is kept with the entry")
        let stored = try FileManager.default.contentsOfDirectory(atPath: server.directory.appendingPathComponent("store").path)
        #expect(stored.contains { $0.hasSuffix(".connector.yaml") }, "stored as a document: \(stored)")

        // Published as a .so is: the conformance kit, then Live; then served.
        let validating = try await server.request("POST", "v2/connectors/desk-1.0.0/status", token: token,
                                                  json: ["request": ["status": "InValidation", "credentials": []]])
        #expect(validating.status == 200, "\(validating.text)")
        let live = try await server.request("POST", "v2/connectors/desk-1.0.0/status", token: token,
                                            json: ["request": ["status": "Live", "scope": "org"]])
        #expect(live.status == 200, "\(live.text)")
        let sdk = "connectors/desk/sdk-api/api/1.0"
        let credentials = ["connector-credentials": "[]"]
        let created = try await server.request("POST", "\(sdk)/entities/ticket", token: token,
                                               json: ["fields": ["title": "Printer on fire"]], headers: credentials)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let fetched = try await server.request("GET", "\(sdk)/entities/\(id)?entityTypeId=ticket", token: token, headers: credentials)
        #expect((fetched.json["fields"] as? [String: Any])?["title"] as? String == "Printer on fire", "\(fetched.text)")

        // The slug is fixed once published: another slug for the same registration is refused.
        let renamed = try await Self.upload(server, token: token, [
            ("file", "desk.connector.yaml",
             Data(Self.document(registration: registration, port: tickets.port, slug: "help-desk", version: "1.1.0").utf8)),
            ("icon", "desk.svg", Self.svg),
        ])
        #expect(renamed.status == 409, "\(renamed.text)")
        #expect(Self.errorMessage(renamed).contains(
            "the slug of a published connector cannot change: this registration published 'desk' (desk-1.0.0), and the document's slug is 'help-desk'"
        ), "\(renamed.text)")
        let next = try await Self.upload(server, token: token, [
            ("file", "desk.connector.yaml", Data(Self.document(registration: registration, port: tickets.port, version: "1.1.0").utf8)),
            ("icon", "desk.svg", Self.svg),
        ])
        #expect(next.status == 200, "a new version under the same slug is taken: \(next.text)")
        withExtendedLifetime(tickets) {}
        await server.stop()
    }

    @Test func anInvalidDocumentIsRefusedWithEveryProblemAndNothingStored() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let text = """
            name: Desk
            base_url: ftp://example.com
            auth_type: magic
            operations:
              - {name: get, method: FETCH, path: "/x/{id}"}
            entities:
              - {id: ticket, fields: [{name: title, type: colour}], get: nothing}
            """
        let answer = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", Data(text.utf8))])
        #expect(answer.status == 422, "manifest_invalid: \(answer.text)")
        let message = Self.errorMessage(answer)
        for expected in [
            "desk.connector.yaml: invalid connector document (",
            #"base_url: must be an http or https URL with a host, got "ftp://example.com""#,
            #"auth_type: must be one of none, api_key, basic, bearer, oauth2, got "magic""#,
            #"operations[0].method: must be one of GET, POST, PUT, DELETE, PATCH, got "FETCH""#,
            "operations[0].path: the placeholder {id} has no parameter with location path",
            #"entities[0].fields[0].type: must be one of text, number, lookup, user, got "colour""#,
            #"entities[0].get: names no operation of the document: "nothing""#,
        ] {
            #expect(message.contains(expected), "missing \(expected) in \(message)")
        }
        let store = server.directory.appendingPathComponent("store").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []).isEmpty)
        await server.stop()
    }

    @Test(arguments: [
        ("big.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)) + Data(count: 70_000),
         "the icon big.png is 70016 bytes; an icon is at most 65536"),
        ("fake.png", Data("GIF89a not a png at all".utf8), "the icon fake.png is not a PNG image"),
        ("script.svg", Data(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.utf8), "it holds a script"),
        ("handler.svg", Data(#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.utf8), "it holds an event handler attribute"),
        ("remote.svg", Data(#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>"#.utf8),
         "it references something outside itself"),
        ("entities.svg", Data(#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>"#.utf8),
         "it declares a document type or entities"),
        ("html.svg", Data("<html><body>hi</body></html>".utf8), "its first element is not <svg>"),
    ])
    func aHostileIconIsRefused(name: String, data: Data, expected: String) async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registration = try await Self.register(server, token: token)
        let document = Self.document(registration: registration, port: 1, icon: name)
        let answer = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", Data(document.utf8)), ("icon", name, data)])
        #expect(answer.status == 400, "\(answer.text)")
        #expect(Self.errorMessage(answer).contains(expected), "\(answer.text)")
        let listed = try await server.request("POST", "v2/connectors/list", token: token, json: [:])
        #expect((listed.json["result"] as? [String: Any])?["count"] as? Int == 0, "nothing recorded")
        await server.stop()
    }

    @Test func theIconMustBeTheOneTheDocumentNames() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registration = try await Self.register(server, token: token)
        let named = Data(Self.document(registration: registration, port: 1).utf8)
        let missing = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", named)])
        #expect(missing.status == 400)
        #expect(Self.errorMessage(missing).contains("desk.connector.yaml names the icon desk.svg: upload it with the document"), "\(missing.text)")
        let other = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", named), ("icon", "logo.svg", Self.svg)])
        #expect(Self.errorMessage(other).contains("names the icon desk.svg, not logo.svg"), "\(other.text)")
        let unnamed = Data(Self.document(registration: registration, port: 1, icon: nil).utf8)
        let extra = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", unnamed), ("icon", "desk.svg", Self.svg)])
        #expect(Self.errorMessage(extra).contains("names no icon, but desk.svg came with it"), "\(extra.text)")
        let plain = try await Self.upload(server, token: token, [("file", "desk.connector.yaml", unnamed)])
        #expect(plain.status == 200, "a document without an icon needs none: \(plain.text)")
        await server.stop()
    }

    @Test func aTarGzHoldsTheDocumentAndItsIcon() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registration = try await Self.register(server, token: token)
        let staging = server.directory.appendingPathComponent("dist")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data(Self.document(registration: registration, port: 1).utf8).write(to: staging.appendingPathComponent("desk.connector.yaml"))
        try Self.svg.write(to: staging.appendingPathComponent("desk.svg"))
        try Data(#"{"metadata":{"licence":"MIT","owner":"Acme"}}"#.utf8).write(to: staging.appendingPathComponent("metadata.json"))
        let archive = server.directory.appendingPathComponent("desk.tar.gz")
        try await ChildProcess.succeed(["tar", "-czf", archive.path, "-C", staging.path, "desk.connector.yaml", "desk.svg", "metadata.json"])
        let answer = try await Self.upload(server, token: token, [("file", "desk.tar.gz", try Data(contentsOf: archive))])
        #expect(answer.status == 200, "\(answer.text)")
        let entry = try #require(try await server.request("GET", "v2/connectors/read/desk-1.0.0", token: token).json["result"] as? [String: Any])
        #expect((entry["iconurl"] as? String)?.hasPrefix("data:image/svg+xml;base64,") == true)
        #expect(entry["licence"] as? String == "MIT")
        await server.stop()
    }
}
