import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

/// The Jitterbit-compatible registration API, over HTTP.
@Suite(.timeLimit(.minutes(5))) struct RegistrationAPITests {
    @Test func registerListValidateDelete() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")

        let registered = try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": "jira", "version": "1.0.0"])
        #expect(registered.status == 200)
        let body = registered.json
        #expect(body["status"] as? Bool == true)
        #expect(body["operation"] as? String == "Register a connector")
        let id = try #require(body["id"] as? String)
        let key = try #require(body["key"] as? String)
        let secret = try #require(body["secret"] as? String)
        let endpoint = try #require(body["endpointEntityId"] as? String, "entity IDs are strings")
        let start = try #require(body["functionEntityStartId"] as? String)
        let end = try #require(body["functionEntityEndId"] as? String)
        #expect(Int(start) == Int(endpoint).map { $0 + 1 })
        #expect(Int(end) == Int(endpoint).map { $0 + 99 })

        let listed = try await server.request("GET", "orgs/acme/connector", token: token)
        #expect(listed.json["operation"] as? String == "List registered connectors")
        let entries = try #require(listed.json["registeredConnectorList"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["secret"] as? String == "********")
        #expect(entries.first?["key"] as? String == key)
        #expect(!listed.text.contains(secret))

        let valid = try await server.request("PUT", "orgs/acme/connector/validate/securityinfo", token: token,
                                             json: ["name": "jira", "key": key, "secret": secret])
        #expect(valid.json["status"] as? Bool == true)
        let invalid = try await server.request("PUT", "orgs/acme/connector/validate/securityinfo", token: token,
                                               json: ["name": "jira", "key": key, "secret": secret + "x"])
        #expect(invalid.status == 200)
        #expect(invalid.json["status"] as? Bool == false)
        #expect(!invalid.text.contains(secret))

        let payload = try await server.request("DELETE", "orgs/acme/connector/\(id)/sdk/delete", token: token)
        #expect(payload.json["status"] as? Bool == true)
        let deleted = try await server.request("DELETE", "orgs/acme/connector/\(id)", token: token)
        #expect(deleted.json["status"] as? Bool == true)
        let gone = try await server.request("DELETE", "orgs/acme/connector/\(id)", token: token)
        #expect(gone.status == 404)

        // A new registration never gets the deleted one's ID or block.
        let next = try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": "jira", "version": "1.0.0"])
        #expect(next.json["id"] as? String != id)
        #expect(next.json["endpointEntityId"] as? String != endpoint)
        await server.stop()
    }

    @Test func badInputIsA4xxWithAJSONBody() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let cases: [(String, String, String?, Any?, Int, String)] = [
            ("POST", "orgs/acme/connector", token, ["name": "x"], 400, "version is missing"),
            ("POST", "orgs/acme/connector", token, ["name": 7, "version": "1"], 400, "name must be a string"),
            ("POST", "orgs/acme/connector", token, ["name": "", "version": "1"], 400, "name must be 1 to 128 characters"),
            ("POST", "orgs/nobody/connector", ServerFixture.adminToken, ["name": "x", "version": "1"], 404, "no org 'nobody'"),
            ("POST", "orgs/acme/connector", "wrong-token", ["name": "x", "version": "1"], 401, "the token is not valid"),
            ("POST", "orgs/acme/connector", nil, ["name": "x", "version": "1"], 401, "a token is needed"),
            ("GET", "no/such/route", token, nil, 404, "no endpoint GET /no/such/route"),
            ("DELETE", "orgs/acme/connector/999", token, nil, 404, "org 'acme' has no registered connector '999'"),
        ]
        for (method, path, caller, json, status, message) in cases {
            let answer = try await server.request(method, path, token: caller, json: json)
            #expect(answer.status == status, "\(method) \(path): \(answer.text)")
            #expect(answer.text.contains(message), "\(method) \(path): \(answer.text)")
            #expect((try? JSONSerialization.jsonObject(with: answer.body)) != nil, "a JSON body: \(answer.text)")
        }
        let malformed = try await server.request("POST", "orgs/acme/connector", token: token, body: Data("{".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.text.contains("not valid JSON"))
        let huge = try await server.request("POST", "orgs/acme/connector", token: token, body: Data(repeating: 0x20, count: 200_000))
        #expect(huge.status == 400)
        #expect(huge.text.contains("larger than"))

        _ = try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": "dup", "version": "1"])
        let duplicate = try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": "dup", "version": "1"])
        #expect(duplicate.status == 409)
        #expect(duplicate.text.contains("has registered dup 1 already"))
        await server.stop()
    }

    @Test func anOrgSeesAndChangesOnlyItsOwn() async throws {
        let server = try await ServerFixture.start(over: .router)
        let acme = try await server.org("acme")
        let globex = try await server.org("globex")
        let registered = try await server.request("POST", "orgs/acme/connector", token: acme, json: ["name": "jira", "version": "1"])
        let id = try #require(registered.json["id"] as? String)

        for (method, path) in [("GET", "orgs/acme/connector"), ("DELETE", "orgs/acme/connector/\(id)"),
                               ("POST", "orgs/acme/connector"), ("GET", "admin/orgs")] {
            let answer = try await server.request(method, path, token: globex, json: method == "POST" ? ["name": "a", "version": "1"] : nil)
            #expect(answer.status == 401, "\(method) \(path)")
        }
        let own = try await server.request("GET", "orgs/globex/connector", token: globex)
        #expect((own.json["registeredConnectorList"] as? [Any])?.isEmpty == true)
        let byAdmin = try await server.request("GET", "orgs/acme/connector")
        #expect((byAdmin.json["registeredConnectorList"] as? [Any])?.count == 1)
        await server.stop()
    }

    @Test func concurrentRegistrationsGetDisjointBlocks() async throws {
        let server = try await ServerFixture.start(over: .router)
        let acme = try await server.org("acme")
        let globex = try await server.org("globex")
        let blocks = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let (org, token) = index % 2 == 0 ? ("acme", acme) : ("globex", globex)
                    let answer = try await server.request("POST", "orgs/\(org)/connector", token: token,
                                                          json: ["name": "c\(index)", "version": "1"])
                    guard let endpoint = (answer.json["endpointEntityId"] as? String).flatMap(Int.init),
                        let end = (answer.json["functionEntityEndId"] as? String).flatMap(Int.init)
                    else { throw ServerTestFailure("no block: \(answer.text)") }
                    return (endpoint, end)
                }
            }
            var blocks: [(Int, Int)] = []
            for try await block in group { blocks.append(block) }
            return blocks.sorted { $0.0 < $1.0 }
        }
        #expect(blocks.count == 40)
        #expect(blocks.allSatisfy { $0.1 - $0.0 == 99 })
        for (first, second) in zip(blocks, blocks.dropFirst()) {
            #expect(first.1 < second.0, "blocks \(first) and \(second) overlap")
        }
        await server.stop()
    }

    @Test func theSecretIsNeverStored() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let registered = try await server.request("POST", "orgs/acme/connector", token: token, json: ["name": "jira", "version": "1"])
        let secret = try #require(registered.json["secret"] as? String)
        let key = try #require(registered.json["key"] as? String)
        _ = try await server.request("PUT", "orgs/acme/connector/validate/securityinfo", token: token,
                                     json: ["name": "jira", "key": key, "secret": secret])
        await server.stop()
        var stored = Data()
        for suffix in ["", "-wal", "-shm"] {
            stored.append((try? Data(contentsOf: URL(fileURLWithPath: server.database + suffix))) ?? Data())
        }
        #expect(!stored.isEmpty)
        #expect(stored.range(of: Data(secret.utf8)) == nil, "the secret is not in the database files")
        #expect(stored.range(of: Data(key.utf8)) != nil, "the key is (the check can find what is there)")
        #expect(stored.range(of: Data(ServerFixture.adminToken.utf8)) == nil, "nor is a token")
    }
}
