import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import Testing

/// The Connector Builder's API against a real server, whose own REST API is
/// the end system the drafts call (no mock): drafts saved with their problems,
/// YAML and back, tests with credentials that are never stored, and one org's
/// drafts out of another's reach.
@Suite(.timeLimit(.minutes(5))) struct BuilderAPITests {
    /// A draft for the server's own API: `health` (no parameter) and
    /// `get_draft` (a path parameter), authenticated with an API key header.
    static func hostDocument(_ server: ServerFixture, draftPath: String = "/builder/drafts/{id}") throws -> [String: Any] {
        [
            "name": "Host Self",
            "base_url": try server.base.absoluteString,
            "version": "1.0.0",
            "auth_type": "api_key",
            "header_name": "authToken",
            "credential_schema": ["api_key": ["label": "Token", "type": "password", "required": true, "sensitive": true]],
            "operations": [
                ["name": "health", "method": "GET", "path": "/healthz",
                 "response_schema": ["type": "object", "required": ["status"]]],
                ["name": "get_draft", "method": "GET", "path": draftPath,
                 "parameters": [["name": "id", "location": "path", "type": "string", "required": true]]],
            ],
        ]
    }

    @Test func aDraftIsSavedInvalidWithEveryProblemByPathAndPassesOnceFixed() async throws {
        let server = try await ServerFixture.start()
        let created = try await server.request("POST", "builder/drafts", json: ["document": [
            "name": "Broken", "auth_type": "magic",
            "operations": [["name": "x", "method": "FETCH", "path": "/items/{id}"]],
        ]])
        #expect(created.status == 201, "\(created.text)")
        let problems = try #require(created.json["problems"] as? [String])
        #expect(problems.contains { $0.hasPrefix("base_url:") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("auth_type:") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("operations[0].method:") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("operations[0].path:") }, "\(problems)")
        let id = try #require(created.json["id"] as? String)

        let fixed = try await server.request("PUT", "builder/drafts/\(id)", json: ["document": Self.hostDocument(server)])
        #expect(fixed.status == 200, "\(fixed.text)")
        #expect(fixed.json["problems"] as? [String] == [])
        #expect(fixed.json["untestedOperations"] as? [String] == ["health", "get_draft"])
        let listed = try await server.request("GET", "builder/drafts")
        #expect((listed.json["drafts"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        await server.stop()
    }

    @Test func theYAMLFormAndTheJSONFormAreOneDocument() async throws {
        let server = try await ServerFixture.start()
        var document = try Self.hostDocument(server)
        // Strings YAML would read as something else stay strings.
        document["description"] = "123"
        document["documentation_url"] = "http://example.test/docs#yes"
        let rendered = try await server.request("POST", "builder/documents/yaml", json: ["document": document])
        #expect(rendered.status == 200, "\(rendered.text)")
        let yaml = try #require(rendered.json["yaml"] as? String)
        #expect(yaml.hasPrefix("name: Host Self\n"), "fields in the builder's order: \(yaml)")
        #expect(yaml.contains("description: \"123\""), "\(yaml)")

        let saved = try await server.request("POST", "builder/drafts", json: ["yaml": yaml])
        #expect(saved.status == 201, "\(saved.text)")
        let back = try #require(saved.json["document"] as? [String: Any])
        #expect(back["description"] as? String == "123")
        #expect(NSDictionary(dictionary: back).isEqual(to: document), "\(back)")
        #expect(saved.json["yaml"] as? String == yaml)
        await server.stop()
    }

    @Test func aTestSendsTheRequestMasksTheSecretAndKeepsThePassForItsDefinition() async throws {
        let server = try await ServerFixture.start()
        let created = try await server.request("POST", "builder/drafts", json: ["document": Self.hostDocument(server)])
        let id = try #require(created.json["id"] as? String)
        let credentials = ["api_key": ServerFixture.adminToken]

        let tested = try await server.request("POST", "builder/drafts/\(id)/test", json: [
            "operation": "get_draft", "parameters": ["id": id], "credentials": credentials,
        ])
        #expect(tested.status == 200, "\(tested.text)")
        #expect(tested.json["passed"] as? Bool == true, "\(tested.text)")
        #expect(tested.json["kept"] as? Bool == true)
        let result = try #require(tested.json["result"] as? [String: Any])
        #expect(result["status"] as? Int == 200)
        #expect((result["request"] as? [String: Any])?["url"] as? String == "\(try server.base.absoluteString)/builder/drafts/\(id)")
        #expect(((result["body"] as? [String: Any])?["id"] as? String) == id, "the response is the draft itself")
        #expect(!tested.text.contains(ServerFixture.adminToken), "the key never comes back: \(tested.text)")

        let after = try await server.request("GET", "builder/drafts/\(id)")
        #expect(after.json["untestedOperations"] as? [String] == ["health"])
        #expect(!after.text.contains(ServerFixture.adminToken), "nor is it stored")
        let passes = try #require(after.json["passedTests"] as? [[String: Any]])
        #expect(passes.map { $0["operation"] as? String } == ["get_draft"])

        // A changed definition is untested again.
        let edited = try await server.request("PUT", "builder/drafts/\(id)", json: [
            "document": Self.hostDocument(server, draftPath: "/builder/drafts/{id}/missing"),
        ])
        #expect(edited.json["untestedOperations"] as? [String] == ["health", "get_draft"])
        // Re-tested against the kept example, with its parameters: the new path fails where the old one passed.
        let retested = try await server.request("POST", "builder/drafts/\(id)/retest", json: ["credentials": credentials])
        #expect(retested.status == 200, "\(retested.text)")
        let results = try #require(retested.json["results"] as? [[String: Any]])
        #expect(results.map { $0["operation"] as? String } == ["health", "get_draft"])
        #expect(results[0]["outcome"] == nil, "health has no kept example")
        #expect((results[1]["parameters"] as? [String: Any])?["id"] as? String == id)
        #expect(results[1]["exampleStatus"] as? Int == 200)
        #expect((results[1]["outcome"] as? [String: Any])?["passed"] as? Bool == false, "\(retested.text)")
        // Put back, it passes again from the same example.
        _ = try await server.request("PUT", "builder/drafts/\(id)", json: ["document": Self.hostDocument(server)])
        let again = try await server.request("POST", "builder/drafts/\(id)/retest", json: ["credentials": credentials])
        #expect(((again.json["results"] as? [[String: Any]])?[1]["outcome"] as? [String: Any])?["passed"] as? Bool == true)
        #expect(again.json["untestedOperations"] as? [String] == ["health"])
        #expect(!again.text.contains(ServerFixture.adminToken))
        await server.stop()
    }

    @Test func aFailingTestSaysWhyAndIsNotKept() async throws {
        let server = try await ServerFixture.start()
        let created = try await server.request("POST", "builder/drafts", json: ["document": Self.hostDocument(server)])
        let id = try #require(created.json["id"] as? String)
        let refused = try await server.request("POST", "builder/drafts/\(id)/test", json: [
            "operation": "get_draft", "parameters": ["id": id], "credentials": ["api_key": "not-a-token"],
        ])
        #expect(refused.status == 200, "\(refused.text)")
        #expect(refused.json["passed"] as? Bool == false)
        let result = try #require(refused.json["result"] as? [String: Any])
        #expect(result["status"] as? Int == 401)
        #expect((result["error"] as? [String: Any])?["code"] as? String == "unauthorized", "\(refused.text)")

        let missing = try await server.request("POST", "builder/drafts/\(id)/test", json: [
            "operation": "get_draft", "credentials": ["api_key": ServerFixture.adminToken],
        ])
        #expect(missing.json["passed"] as? Bool == false)
        #expect(((missing.json["result"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "invalid_request")
        #expect(((missing.json["result"] as? [String: Any])?["request"]) == nil, "nothing was sent")

        let unknown = try await server.request("POST", "builder/drafts/\(id)/test", json: ["operation": "nope"])
        #expect(unknown.status == 404, "\(unknown.text)")
        let after = try await server.request("GET", "builder/drafts/\(id)")
        #expect((after.json["passedTests"] as? [Any])?.isEmpty == true)
        await server.stop()
    }

    @Test func anOrgSeesAndChangesOnlyItsOwnDrafts() async throws {
        let server = try await ServerFixture.start()
        let a = try await server.org("a")
        let b = try await server.org("b")
        let created = try await server.request("POST", "builder/drafts", token: a, json: ["document": Self.hostDocument(server)])
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["org"] as? String == "a")

        #expect(try await server.request("GET", "builder/drafts/\(id)", token: b).status == 404)
        #expect(try await server.request("PUT", "builder/drafts/\(id)", token: b, json: ["document": [:]]).status == 404)
        #expect(try await server.request("DELETE", "builder/drafts/\(id)", token: b).status == 404)
        #expect(try await server.request("POST", "builder/drafts/\(id)/test", token: b, json: ["operation": "health"]).status == 404)
        #expect((try await server.request("GET", "builder/drafts", token: b).json["drafts"] as? [Any])?.isEmpty == true)

        #expect(try await server.request("GET", "builder/drafts/\(id)", token: a).status == 200)
        #expect(try await server.request("GET", "builder/drafts/\(id)").status == 200, "the admin sees every org's")
        #expect(try await server.request("DELETE", "builder/drafts/\(id)", token: a).status == 200)
        #expect(try await server.request("GET", "builder/drafts/\(id)", token: a).status == 404)
        await server.stop()
    }

    @Test func aTenantsTestCannotReachTheHostsOwnNetwork() async throws {
        let server = try await ServerFixture.start()
        let a = try await server.org("a")
        let address = try server.base
        for base in [address.absoluteString, "http://localhost:\(address.port ?? 0)", "http://169.254.169.254",
                     "http://10.0.0.1", "http://[::1]:\(address.port ?? 0)"] {
            var document = try Self.hostDocument(server)
            document["base_url"] = base
            let created = try await server.request("POST", "builder/drafts", token: a, json: ["document": document])
            let id = try #require(created.json["id"] as? String)
            let tested = try await server.request("POST", "builder/drafts/\(id)/test", token: a, json: [
                "operation": "health", "credentials": ["api_key": a],
            ])
            #expect(tested.status == 200, "\(tested.text)")
            #expect(tested.json["passed"] as? Bool == false, "\(base): \(tested.text)")
            let error = (tested.json["result"] as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "invalid_request", "\(base): \(tested.text)")
            #expect((error?["message"] as? String)?.contains("not a public address") == true, "\(base): \(tested.text)")
            #expect((tested.json["result"] as? [String: Any])?["status"] == nil, "no answer came from \(base)")
        }
        await server.stop()
    }

    @Test func aDraftIsPublishedOnlyOnceTestedAndThenServedWithItsHistoryKept() async throws {
        let server = try await ServerFixture.start()
        let a = try await server.org("a")
        let b = try await server.org("b")
        var document = try Self.hostDocument(server)
        document["slug"] = "host-self"
        let created = try await server.request("POST", "builder/drafts", token: a, json: ["document": document])
        let id = try #require(created.json["id"] as? String)
        func publish(_ version: String, scope: String = "org", token: String? = nil) async throws -> ServerFixture.Answer {
            try await server.request("POST", "builder/drafts/\(id)/publish", token: token ?? a, json: [
                "version": version, "scope": scope, "changelog": "version \(version)",
            ])
        }

        let untested = try await publish("1.0.0")
        #expect(untested.status == 409, "\(untested.text)")
        #expect(untested.text.contains("not yet: health, get_draft"), "\(untested.text)")
        // The end system is this server, on loopback: an org's test may not
        // reach it (see above), the admin's may, and a pass counts for the draft.
        for (operation, parameters) in [("health", [:]), ("get_draft", ["id": id])] {
            let tested = try await server.request("POST", "builder/drafts/\(id)/test", json: [
                "operation": operation, "parameters": parameters, "credentials": ["api_key": a],
            ])
            #expect(tested.json["passed"] as? Bool == true, "\(tested.text)")
        }
        #expect(try await publish("1.0.0", scope: "catalogue").status == 401, "the catalogue is the admin's")

        let first = try await publish("1.0.0")
        #expect(first.status == 201, "\(first.text)")
        #expect(first.json["slug"] as? String == "host-self")
        #expect((first.json["examples"] as? [Any])?.count == 2)
        #expect(!first.text.contains(a), "no credential is kept with the version")
        let entries = try await server.request("POST", "v2/connectors/list", token: a, json: ["request": ["filters": [:] as [String: Any]]])
        let entry = ((entries.json["result"] as? [String: Any])?["data"] as? [[String: Any]])?.first
        #expect(entry?["status"] as? String == "Live", "\(entries.text)")
        #expect(entry?["scope"] as? String == "org")

        let credentials = try String(decoding: JSONSerialization.data(withJSONObject: [
            ["key": "api_key", "value": a, "sensitive": true],
        ]), as: UTF8.self)
        let called = try await server.request("POST", "connectors/host-self/functions/health", token: a, body: Data("{}".utf8),
                                              headers: ["connector-credentials": credentials])
        #expect(called.status == 200, "\(called.text)")
        #expect((called.json["result"] as? [String: Any])?["status"] as? String == "ok", "\(called.text)")
        let stranger = try await server.request("POST", "connectors/host-self/functions/health", token: b, body: Data("{}".utf8))
        #expect(stranger.status == 404, "published to org a only: \(stranger.text)")

        #expect(try await publish("1.0.0").status == 409, "a published version never changes")
        #expect(try await publish("0.9.0").status == 409, "versions only go up")
        var renamed = document
        renamed["slug"] = "another-slug"
        _ = try await server.request("PUT", "builder/drafts/\(id)", token: a, json: ["document": renamed])
        let slugChanged = try await publish("1.1.0")
        #expect(slugChanged.status == 409, "\(slugChanged.text)")
        #expect(slugChanged.text.contains("fixed by the first publication: 'host-self'"), "\(slugChanged.text)")
        _ = try await server.request("PUT", "builder/drafts/\(id)", token: a, json: ["document": document])
        #expect(try await publish("1.1.0").status == 201)

        let history = try await server.request("GET", "builder/drafts/\(id)/publications", token: a)
        #expect((history.json["publications"] as? [[String: Any]])?.map { $0["version"] as? String } == ["1.0.0", "1.1.0"])
        #expect(try await server.request("DELETE", "builder/drafts/\(id)", token: a).status == 409, "its history stays")
        #expect(try await server.request("GET", "builder/drafts/\(id)/publications", token: b).status == 404)
        await server.stop()
    }

    @Test func hostileDocumentsAreRefusedWithAReason() async throws {
        let server = try await ServerFixture.start()
        let both = try await server.request("POST", "builder/drafts", json: ["document": [:], "yaml": "name: x"])
        #expect(both.status == 400, "\(both.text)")
        let neither = try await server.request("POST", "builder/drafts", json: [:])
        #expect(neither.status == 400)
        let notYAML = try await server.request("POST", "builder/drafts", json: ["yaml": "name: [unclosed"])
        #expect(notYAML.status == 400, "\(notYAML.text)")
        let oversized = try await server.request("POST", "builder/drafts", json: [
            "yaml": "description: " + String(repeating: "x", count: ConnectorDocumentText.sizeLimit),
        ])
        #expect(oversized.status == 400 || oversized.status == 413, "\(oversized.status)")
        // A billion laughs: aliases that would expand beyond any memory.
        let laughs = (1...9).map { level in
            "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]"
        }.joined(separator: "\n")
        let expanded = try await server.request("POST", "builder/documents/yaml", json: ["yaml": "l0: &l0 lol\n" + laughs])
        #expect(expanded.status == 400, "\(expanded.status): \(expanded.text.prefix(200))")
        #expect((try await server.request("GET", "builder/drafts").json["drafts"] as? [Any])?.isEmpty == true)
        await server.stop()
    }

    @Test func anOpenAPIDescriptionBecomesADraftDocument() async throws {
        let server = try await ServerFixture.start()
        let description = """
            openapi: 3.0.3
            info: {title: Pets, version: 1.0.0}
            servers: [{url: "https://pets.example.test/v1"}]
            paths:
              /pets/{petId}:
                get:
                  operationId: getPet
                  parameters:
                    - {name: petId, in: path, required: true, schema: {type: integer}}
                  responses:
                    "200":
                      description: A pet
                      content:
                        application/json:
                          schema: {type: object, properties: {name: {type: string}}}
            """
        let imported = try await server.request("POST", "builder/imports/openapi", json: ["text": description])
        #expect(imported.status == 200, "\(imported.text)")
        let document = try #require(imported.json["document"] as? [String: Any])
        #expect(document["base_url"] as? String == "https://pets.example.test/v1")
        let operations = try #require(document["operations"] as? [[String: Any]])
        #expect(operations.map { $0["path"] as? String } == ["/pets/{petId}"])
        #expect(imported.json["problems"] as? [String] == [], "\(imported.text)")

        let swagger = try await server.request("POST", "builder/imports/openapi", json: ["text": "swagger: '2.0'"])
        #expect(swagger.status == 400, "\(swagger.text)")
        await server.stop()
    }
}
