import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// The Obsrv-compatible catalogue and publishing, over HTTP.
@Suite(.timeLimit(.minutes(5))) struct CatalogueAPITests {
    /// Registers a connector for `org` and builds a plugin with its identity.
    static func registeredPlugin(
        _ server: ServerFixture, token: String, org: String, name: String
    ) async throws -> (path: URL, registration: [String: Any]) {
        let registered = try await server.request("POST", "orgs/\(org)/connector", token: token,
                                                  json: ["name": name, "version": "1.0.0"])
        let path = server.directory.appendingPathComponent("\(name).so")
        try await PluginBuilder.build(name: name, registration: registered.json, extraFlags: ["-DFIXTURE_CUSTOM"], into: path)
        return (path, registered.json)
    }

    @Test func uploadReadList() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let (path, registration) = try await Self.registeredPlugin(server, token: token, org: "acme", name: "widgets")
        let (body, type) = ServerFixture.multipart(file: "widgets.so", data: try Data(contentsOf: path))
        let uploaded = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        #expect(uploaded.status == 200, "\(uploaded.text)")
        #expect(uploaded.json["id"] as? String == "api.connector.register")
        #expect(uploaded.json["responseCode"] as? String == "OK")
        #expect((uploaded.json["params"] as? [String: Any])?["status"] as? String == "SUCCESS")
        #expect((uploaded.json["result"] as? [String: Any])?["message"] as? String == "connector registered successfully.")

        let read = try await server.request("GET", "v2/connectors/read/widgets-1.0.0", token: token)
        let entry = try #require(read.json["result"] as? [String: Any])
        for field in ["id", "connector_id", "name", "type", "category", "version", "description", "licence", "owner",
                      "iconurl", "status", "ui_spec", "created_by", "updated_by", "created_date", "updated_date", "live_date"] {
            #expect(entry.keys.contains(field), "\(field)")
        }
        #expect(entry["status"] as? String == "Draft")
        #expect(entry["connector_id"] as? String == "widgets", "Obsrv's connector_id is the connector's identifier")
        #expect(entry["registration_id"] as? String == registration["id"] as? String)
        #expect(entry["description"] as? String == "A test fixture.")

        let draft = try await server.request("POST", "v2/connectors/list", token: token,
                                             json: ["request": ["filters": ["status": ["Draft"]]]])
        let result = try #require(draft.json["result"] as? [String: Any])
        #expect(result["count"] as? Int == 1)
        #expect((result["data"] as? [[String: Any]])?.first?["id"] as? String == "widgets-1.0.0")
        let live = try await server.request("POST", "v2/connectors/list", token: token,
                                            json: ["request": ["filters": ["status": ["Live"]]]])
        #expect((live.json["result"] as? [String: Any])?["count"] as? Int == 0)

        let other = try await server.org("globex")
        let hidden = try await server.request("GET", "v2/connectors/read/widgets-1.0.0", token: other)
        #expect(hidden.status == 404, "another org does not see a Draft")
        await server.stop()
    }

    @Test func aTarGzDistributionCarriesMetadata() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let (path, _) = try await Self.registeredPlugin(server, token: token, org: "acme", name: "gadgets")
        let staging = server.directory.appendingPathComponent("dist")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: path, to: staging.appendingPathComponent("gadgets.so"))
        try Data(#"{"type":"connector","metadata":{"id":"gadgets","name":"gadgets","version":"1.0.0","type":"source","category":"inventory","description":"Gadgets from the warehouse","licence":"MIT","owner":"Acme","main_program":"gadgets.so","icon":"https://acme.example/g.svg"}}"#.utf8)
            .write(to: staging.appendingPathComponent("metadata.json"))
        try Data(#"{"type":"object","properties":{"apiKey":{"type":"string","encrypt":true}}}"#.utf8)
            .write(to: staging.appendingPathComponent("ui-config.json"))
        let archive = server.directory.appendingPathComponent("gadgets.tar.gz")
        try await ChildProcess.succeed(["tar", "-czf", archive.path, "-C", staging.path, "gadgets.so", "metadata.json", "ui-config.json"])

        let (body, type) = ServerFixture.multipart(file: "gadgets.tar.gz", data: try Data(contentsOf: archive))
        let uploaded = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        #expect(uploaded.status == 200, "\(uploaded.text)")
        let entry = try #require(try await server.request("GET", "v2/connectors/read/gadgets-1.0.0", token: token).json["result"] as? [String: Any])
        #expect(entry["category"] as? String == "inventory")
        #expect(entry["description"] as? String == "Gadgets from the warehouse")
        #expect(entry["licence"] as? String == "MIT")
        #expect(entry["iconurl"] as? String == "https://acme.example/g.svg")
        // ui-config.json is the JSON Schema; Obsrv's ui_spec holds it as its schema.
        let schema = (entry["ui_spec"] as? [String: Any])?["schema"] as? [String: Any]
        let properties = (schema?["properties"] as? [String: Any])?["apiKey"] as? [String: Any]
        #expect(properties?["encrypt"] as? Bool == true)
        await server.stop()
    }

    @Test func uploadsThatAreNotConnectorsAreRefused() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let cases: [(String, Data, String)] = [
            ("notes.txt", Data("hello".utf8), "neither a shared object (.so) nor a gzip-compressed tar archive"),
            ("fixture.so", try Data(contentsOf: ServerFixture.root.appendingPathComponent("build/fixtures/alpha.so")),
             "its manifest key is not registered"),
            ("bad.so", try Data(contentsOf: ServerFixture.root.appendingPathComponent("build/fixtures/wrong-magic.so")),
             "wrong magic"),
        ]
        for (name, data, message) in cases {
            let (body, type) = ServerFixture.multipart(file: name, data: data)
            let answer = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
            #expect((400..<500).contains(answer.status), "\(name): \(answer.status)")
            let params = answer.json["params"] as? [String: Any]
            #expect(params?["err"] as? String == "FAILED_TO_REGISTER_CONNECTOR", "\(name): \(answer.text)")
            #expect((params?["errmsg"] as? String)?.contains(message) == true, "\(name): \(answer.text)")
        }
        let notMultipart = try await server.request("POST", "v2/connector/register", token: token, json: ["file": "x"])
        #expect(notMultipart.status == 400)
        #expect(notMultipart.text.contains("multipart/form-data"))
        let badList = try await server.request("POST", "v2/connectors/list", token: token,
                                               json: ["request": ["filters": ["status": ["Alive"]]]])
        #expect(badList.status == 400)
        #expect((badList.json["params"] as? [String: Any])?["err"] as? String == "CONNECTORS_LIST_INPUT_INVALID")
        await server.stop()
    }

    /// Credentials the conformance kit opens the tracker's sessions with.
    static func trackerCredentials(_ server: ServerFixture) -> [[String: Any]] {
        [["key": "database", "value": server.directory.appendingPathComponent("tracker-conformance.sqlite").path,
          "sensitive": false]]
    }

    /// Outside --dev: a registered plugin is served but takes calls only once
    /// Live, and only from the orgs its scope admits.
    @Test func thePublishLifecycleGatesCalls() async throws {
        let server = try await ServerFixture.start(over: .router) { directory in
            let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
            _ = try await registry.createOrg(id: "acme", name: "Acme", by: .admin)
            let new = try await registry.register(org: "acme", name: "widgets", version: "1.0.0", by: .admin)
            try await PluginBuilder.tracker(name: "widgets", registration: [
                "key": new.registration.key, "secret": new.secret,
                "endpointEntityId": String(new.registration.endpointEntityId),
                "functionEntityStartId": String(new.registration.functionEntityIds.lowerBound),
                "functionEntityEndId": String(new.registration.functionEntityIds.upperBound),
            ], into: directory.appendingPathComponent("plugins/widgets.so"))
            try FileManager.default.copyItem(
                at: ServerFixture.root.appendingPathComponent("build/fixtures/alpha.so"),
                to: directory.appendingPathComponent("plugins/alpha.so")
            )
        }
        // The unregistered plugin was rejected, with the reason.
        let rejected = try #require(server.server.host.discovery.rejected.first)
        #expect(rejected.path.hasSuffix("alpha.so"))
        #expect(rejected.error.code == .unauthorized)
        #expect(rejected.error.message.contains("its manifest key is not registered"))

        let acme = try await server.org("acme-users")
        let owner = try await server.request("POST", "admin/orgs/acme/tokens").json["token"] as? String ?? ""
        func call(_ token: String) async throws -> ServerFixture.Answer {
            try await server.request("POST", "connectors/widgets/functions/slug", token: token,
                                     body: Data(#"["Hello, World"]"#.utf8))
        }
        let draft = try await call(owner)
        #expect(draft.status == 404)
        #expect(draft.text.contains("is not Live"))

        let validating = try await server.request(
            "POST", "v2/connectors/widgets-1.0.0/status", token: owner,
            json: ["request": ["status": "InValidation", "credentials": Self.trackerCredentials(server)]]
        )
        #expect(validating.status == 200, "\(validating.text)")
        let skipped = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: owner,
                                               json: ["request": ["status": "Retired"]])
        #expect(skipped.status == 400)
        let catalogueWide = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: owner,
                                                     json: ["request": ["status": "Live", "scope": "catalogue"]])
        #expect(catalogueWide.status == 401, "only an admin publishes to every org")
        let live = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: owner,
                                            json: ["request": ["status": "Live", "scope": "org"]])
        #expect(live.status == 200, "\(live.text)")
        #expect((live.json["result"] as? [String: Any])?["live_date"] is String)

        let answered = try await call(owner)
        #expect(answered.status == 200)
        #expect(answered.json["result"] as? String == "hello-world")
        #expect(try await call(acme).status == 404, "published to its own org only")

        _ = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: owner,
                                     json: ["request": ["status": "Retired"]])
        #expect(try await call(owner).status == 404)

        let deletion = try await server.request("DELETE", "orgs/acme/connector/1", token: owner)
        #expect(deletion.status == 200, "a retired connector no longer holds its registration")
        await server.stop()
    }

    /// A connector that fails the kit stays InValidation, and the refusal
    /// names the failed checks.
    @Test func aConnectorThatFailsConformanceDoesNotGoLive() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let (path, _) = try await Self.registeredPlugin(server, token: token, org: "acme", name: "widgets")
        let (body, type) = ServerFixture.multipart(file: "widgets.so", data: try Data(contentsOf: path))
        _ = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        _ = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: token, json: ["request": ["status": "InValidation"]])
        let live = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: token,
                                            json: ["request": ["status": "Live", "scope": "org"]])
        #expect(live.status == 400)
        #expect(live.text.contains("did not pass the conformance kit (failed: "), "\(live.text)")
        let read = try await server.request("GET", "v2/connectors/read/widgets-1.0.0", token: token)
        #expect(read.text.contains("InValidation"), "\(read.text)")
        await server.stop()
    }

    @Test func aRegistrationALiveConnectorUsesCannotBeDeleted() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registered = try await server.request("POST", "orgs/acme/connector", token: token,
                                                  json: ["name": "widgets", "version": "1.0.0"])
        let path = server.directory.appendingPathComponent("widgets.so")
        try await PluginBuilder.tracker(name: "widgets", registration: registered.json, into: path)
        let (body, type) = ServerFixture.multipart(file: "widgets.so", data: try Data(contentsOf: path))
        _ = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        _ = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: token, json: [
            "request": ["status": "InValidation", "credentials": Self.trackerCredentials(server)],
        ])
        let live = try await server.request("POST", "v2/connectors/widgets-1.0.0/status", token: token,
                                            json: ["request": ["status": "Live", "scope": "org"]])
        #expect(live.status == 200, "\(live.text)")
        let id = try #require(registered.json["id"] as? String)
        let refused = try await server.request("DELETE", "orgs/acme/connector/\(id)", token: token)
        #expect(refused.status == 409)
        #expect(refused.text.contains("is used by the Live connector 'widgets-1.0.0'"))
        let called = try await server.request("POST", "connectors/widgets/functions/slug", token: token,
                                              body: Data(#"["Uploaded Build"]"#.utf8))
        #expect(called.json["result"] as? String == "uploaded-build", "the uploaded build serves once Live")
        await server.stop()
    }
}
