import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

/// A client written against Jitterbit's connector registration API documents:
/// each documented request sent as documented (`authToken` header, JSON
/// bodies), each answer checked field by field.
@Suite(.timeLimit(.minutes(5))) struct JitterbitWireTests {
    /// The form of the documented key and secret, e.g. `6d093654-d…2-10cad6797d6e`.
    static func isUUID(_ text: Any?) -> Bool {
        guard let text = text as? String else { return false }
        return text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil
    }

    static func isDigits(_ text: Any?) -> Bool {
        guard let text = text as? String else { return false }
        return !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
    }

    /// `status: false` with the operation, and nothing that says otherwise.
    static func expectFailure(
        _ answer: ServerFixture.Answer, status: Int, operation: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json["status"] as? Bool == false, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json["operation"] as? String == operation, "\(answer.text)", sourceLocation: sourceLocation)
    }

    @Test func theDocumentedCallsAnswerTheDocumentedFields() async throws {
        let server = try await ServerFixture.start()
        let token = try await server.org("acme")

        let registered = try await server.request(
            "POST", "orgs/acme/connector", token: token, json: ["name": "Dropbox", "version": "1.0.0"]
        )
        #expect(registered.status == 200, "\(registered.text)")
        let body = registered.json
        #expect(Set(body.keys) == ["status", "operation", "id", "key", "secret", "endpointEntityId",
                                   "functionEntityStartId", "functionEntityEndId"])
        #expect(body["status"] as? Bool == true)
        #expect(body["operation"] as? String == "Register a connector")
        #expect(Self.isDigits(body["id"]), "IDs are strings of digits")
        #expect(Self.isUUID(body["key"]), "\(body["key"] ?? "")")
        #expect(Self.isUUID(body["secret"]))
        for name in ["endpointEntityId", "functionEntityStartId", "functionEntityEndId"] {
            #expect(Self.isDigits(body[name]), "\(name)")
        }
        let key = try #require(body["key"] as? String)
        let secret = try #require(body["secret"] as? String)

        let listed = try await server.request("GET", "orgs/acme/connector", token: token)
        #expect(listed.json["status"] as? Bool == true)
        #expect(listed.json["operation"] as? String == "List registered connectors")
        let entry = try #require((listed.json["registeredConnectorList"] as? [[String: Any]])?.first)
        #expect(Set(entry.keys) == ["id", "name", "version", "key", "secret", "endpointEntityId",
                                    "functionEntityStartId", "functionEntityEndId"])
        #expect(entry["name"] as? String == "Dropbox")
        #expect(entry["version"] as? String == "1.0.0")
        #expect(entry["key"] as? String == key)
        // Deliberate difference: the secret is kept only as a hash, so the list masks it.
        #expect(entry["secret"] as? String == "********")

        let valid = try await server.request(
            "PUT", "orgs/acme/connector/validate/securityinfo", token: token,
            json: ["name": "Dropbox", "key": key, "secret": secret]
        )
        #expect(valid.json["status"] as? Bool == true, "\(valid.text)")
        #expect(valid.json["operation"] is String)

        let id = try #require(body["id"] as? String)
        let payload = try await server.request("DELETE", "orgs/acme/connector/\(id)/sdk/delete", token: token)
        #expect(payload.json["status"] as? Bool == true, "\(payload.text)")
        let deleted = try await server.request("DELETE", "orgs/acme/connector/\(id)", token: token)
        #expect(deleted.json["status"] as? Bool == true, "\(deleted.text)")
        await server.stop()
    }

    @Test func tokenFailuresAndUnknownRoutesAnswerTheJitterbitShape() async throws {
        let server = try await ServerFixture.start()
        _ = try await server.org("acme")
        Self.expectFailure(try await server.request("GET", "orgs/acme/connector", token: nil), status: 401,
                           operation: "List registered connectors")
        Self.expectFailure(
            try await server.request("POST", "orgs/acme/connector", token: "wrong", json: ["name": "x", "version": "1"]),
            status: 401, operation: "Register a connector"
        )
        Self.expectFailure(try await server.request("DELETE", "orgs/acme/connector/1/sdk/delete", token: nil), status: 401,
                           operation: "Delete connector UI payload")
        Self.expectFailure(try await server.request("GET", "orgs/acme/nothing-here"), status: 404, operation: "Unknown operation")
        let refused = try await server.request("PATCH", "orgs/acme/connector")
        Self.expectFailure(refused, status: 405, operation: "Unknown operation")
        #expect(refused.headers["allow"] == "GET, POST")
        await server.stop()
    }
}
