import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// A client written against Obsrv's connector API documents: each documented
/// request sent as documented, each answer's envelope and result checked field
/// by field.
@Suite(.timeLimit(.minutes(5))) struct ObsrvWireTests {
    /// `2024-07-31T18:17:54+05:30`: seconds and a numeric offset.
    static func isObsrvTimestamp(_ text: Any?) -> Bool {
        guard let text = text as? String else { return false }
        return text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/) != nil
    }

    /// `{id, ver, ts, params{status, msgid, resmsgid}, responseCode, result}`.
    static func expectEnvelope(
        _ answer: ServerFixture.Answer, api: String, status: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json["id"] as? String == api, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json["ver"] as? String == "v2", sourceLocation: sourceLocation)
        #expect(isObsrvTimestamp(answer.json["ts"]), "ts: \(answer.json["ts"] ?? "none")", sourceLocation: sourceLocation)
        let params = answer.json["params"] as? [String: Any]
        #expect(params?["status"] as? String == (status == 200 ? "SUCCESS" : "FAILED"), sourceLocation: sourceLocation)
        #expect(params?["resmsgid"] is String, sourceLocation: sourceLocation)
        #expect(params?["msgid"] is String, sourceLocation: sourceLocation)
        #expect(answer.json["responseCode"] is String, sourceLocation: sourceLocation)
        #expect(answer.json["result"] is [String: Any], sourceLocation: sourceLocation)
        if status != 200 {
            #expect(params?["err"] is String, "\(answer.text)", sourceLocation: sourceLocation)
            #expect(params?["errmsg"] is String, "\(answer.text)", sourceLocation: sourceLocation)
        }
    }

    /// A tracker built with a registration of `org`, uploaded as a bare `.so`.
    static func uploadTracker(
        _ server: ServerFixture, token: String, org: String, version: String = "1.0.0"
    ) async throws -> ServerFixture.Answer {
        let registered = try await server.request("POST", "orgs/\(org)/connector", token: token,
                                                  json: ["name": "tracker", "version": version])
        let path = server.directory.appendingPathComponent("tracker.so")
        try await PluginBuilder.tracker(name: "tracker", version: version, registration: registered.json, into: path)
        let (body, type) = ServerFixture.multipart(file: "tracker.so", data: try Data(contentsOf: path))
        return try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
    }

    @Test func registerReadAndListAnswerAsDocumented() async throws {
        let server = try await ServerFixture.start()
        let token = try await server.org("acme")

        let registered = try await Self.uploadTracker(server, token: token, org: "acme")
        Self.expectEnvelope(registered, api: "api.connector.register", status: 200)
        #expect((registered.json["result"] as? [String: Any])?["message"] as? String == "connector registered successfully.")

        // By connector_id: the Live version, and with mode=edit the one being edited.
        let live = try await server.request("GET", "v2/connectors/read/tracker", token: token)
        Self.expectEnvelope(live, api: "api.connectors.read", status: 404)
        #expect((live.json["params"] as? [String: Any])?["err"] as? String == "CONNECTOR_NOT_FOUND")
        let edit = try await server.request("GET", "v2/connectors/read/tracker?mode=edit", token: token)
        Self.expectEnvelope(edit, api: "api.connectors.read", status: 200)
        let entry = try #require(edit.json["result"] as? [String: Any])
        #expect(entry["id"] as? String == "tracker-1.0.0")
        #expect(entry["connector_id"] as? String == "tracker")
        #expect(entry["name"] as? String == "tracker")
        #expect(entry["status"] as? String == "Draft")
        for name in ["type", "category", "version", "description", "licence", "owner", "iconurl", "created_by",
                     "updated_by", "created_date", "updated_date"] {
            #expect(entry[name] is String, "result.\(name)")
        }
        #expect(entry.keys.contains("live_date"))
        // A bare .so's UI spec is its manifest's JSON Schema, in Obsrv's wrapper.
        let uiSpec = try #require(entry["ui_spec"] as? [String: Any])
        #expect((uiSpec["schema"] as? [String: Any])?["type"] as? String == "object", "\(uiSpec)")
        #expect(uiSpec["properties"] is [String: Any])
        // The catalogue ID still names one version, whatever its status.
        #expect(try await server.request("GET", "v2/connectors/read/tracker-1.0.0", token: token).status == 200)
        Self.expectEnvelope(
            try await server.request("GET", "v2/connectors/read/tracker?mode=view", token: token),
            api: "api.connectors.read", status: 400
        )

        // The documented list request, exactly.
        let listed = try await server.request("POST", "v2/connectors/list", token: token, json: [
            "id": "api.connectors.list", "ver": "v2", "ts": "2024-04-10T16:10:50+05:30",
            "params": ["msgid": "4a7f14c3-d61e-4d4f-be78-181834eeff6d"],
            "request": ["filters": ["status": ["Draft"]]],
        ])
        Self.expectEnvelope(listed, api: "api.connectors.list", status: 200)
        #expect((listed.json["params"] as? [String: Any])?["msgid"] as? String == "4a7f14c3-d61e-4d4f-be78-181834eeff6d")
        let result = try #require(listed.json["result"] as? [String: Any])
        #expect(result["count"] as? Int == 1)
        #expect((result["data"] as? [[String: Any]])?.first?["connector_id"] as? String == "tracker")
        await server.stop()
    }

    /// Read by connector_id: the Live version, while the next one is edited;
    /// `?mode=edit` reads the one being edited.
    @Test func readByConnectorIDAnswersTheLiveVersionAndEditModeTheNext() async throws {
        let server = try await ServerFixture.start()
        let token = try await server.org("acme")
        Self.expectEnvelope(try await Self.uploadTracker(server, token: token, org: "acme"), api: "api.connector.register", status: 200)
        let credentials = [["key": "database", "value": server.directory.appendingPathComponent("kit.sqlite").path, "sensitive": false]]
        let validating = try await server.request("POST", "v2/connectors/tracker-1.0.0/status", token: token,
                                                  json: ["request": ["status": "InValidation", "credentials": credentials]])
        #expect(validating.status == 200, "\(validating.text)")
        let published = try await server.request("POST", "v2/connectors/tracker-1.0.0/status", token: token,
                                                 json: ["request": ["status": "Live", "scope": "org"]])
        #expect(published.status == 200, "\(published.text)")
        Self.expectEnvelope(
            try await Self.uploadTracker(server, token: token, org: "acme", version: "1.1.0"), api: "api.connector.register", status: 200
        )

        let live = try await server.request("GET", "v2/connectors/read/tracker", token: token)
        Self.expectEnvelope(live, api: "api.connectors.read", status: 200)
        let entry = try #require(live.json["result"] as? [String: Any])
        #expect(entry["id"] as? String == "tracker-1.0.0")
        #expect(entry["connector_id"] as? String == "tracker")
        #expect(entry["status"] as? String == "Live")
        #expect(entry["live_date"] is String)

        let edit = try await server.request("GET", "v2/connectors/read/tracker?mode=edit", token: token)
        Self.expectEnvelope(edit, api: "api.connectors.read", status: 200)
        #expect((edit.json["result"] as? [String: Any])?["id"] as? String == "tracker-1.1.0", "\(edit.text)")
        #expect((edit.json["result"] as? [String: Any])?["status"] as? String == "Draft")
        await server.stop()
    }

    @Test func theNameComesFromMetadataJSON() async throws {
        let server = try await ServerFixture.start()
        let token = try await server.org("acme")
        let registered = try await server.request("POST", "orgs/acme/connector", token: token,
                                                  json: ["name": "postgres-connector", "version": "1.0.0"])
        let staging = server.directory.appendingPathComponent("dist")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try await PluginBuilder.build(name: "postgres-connector", registration: registered.json,
                                into: staging.appendingPathComponent("postgres-connector.so"))
        try Data(#"{"type":"connector","metadata":{"id":"postgres-connector","name":"PostgreSQL","version":"1.0.0","type":"source","category":"Database","description":"Moves rows","technology":"c","runtime":"native","licence":"MIT","owner":"Sunbird","main_program":"postgres-connector.so","icon":"https://example.org/pg.svg"},"connectors":[]}"#.utf8)
            .write(to: staging.appendingPathComponent("metadata.json"))
        let archive = server.directory.appendingPathComponent("postgres-connector.tar.gz")
        try await ChildProcess.succeed(["tar", "-czf", archive.path, "-C", staging.path, "postgres-connector.so", "metadata.json"])
        let (body, type) = ServerFixture.multipart(file: "postgres-connector.tar.gz", data: try Data(contentsOf: archive))
        let uploaded = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        Self.expectEnvelope(uploaded, api: "api.connector.register", status: 200)

        let read = try await server.request("GET", "v2/connectors/read/postgres-connector?mode=edit", token: token)
        let entry = try #require(read.json["result"] as? [String: Any], "\(read.text)")
        #expect(entry["id"] as? String == "postgres-connector-1.0.0")
        #expect(entry["connector_id"] as? String == "postgres-connector")
        #expect(entry["name"] as? String == "PostgreSQL")
        #expect(entry["category"] as? String == "Database")
        await server.stop()
    }

    @Test func tokenFailuresAndUnknownRoutesAnswerTheEnvelope() async throws {
        let server = try await ServerFixture.start()
        let noToken = try await server.request("POST", "v2/connectors/list", token: nil, json: ["request": [:]])
        Self.expectEnvelope(noToken, api: "api.connectors.list", status: 401)
        #expect((noToken.json["params"] as? [String: Any])?["err"] as? String == "UNAUTHORIZED")
        let badToken = try await server.request("GET", "v2/connectors/read/tracker", token: "wrong")
        Self.expectEnvelope(badToken, api: "api.connectors.read", status: 401)
        let unknown = try await server.request("GET", "v2/connectors/nowhere/at/all")
        Self.expectEnvelope(unknown, api: "api.not.found", status: 404)
        let method = try await server.request("GET", "v2/connectors/list")
        Self.expectEnvelope(method, api: "api.connectors.list", status: 405)
        #expect(method.headers["allow"] == "POST")
        let invalid = try await server.request("POST", "v2/connectors/list", json: ["request": ["filters": ["status": ["Gone"]]]])
        Self.expectEnvelope(invalid, api: "api.connectors.list", status: 400)
        #expect((invalid.json["params"] as? [String: Any])?["err"] as? String == "CONNECTORS_LIST_INPUT_INVALID")
        await server.stop()
    }
}
