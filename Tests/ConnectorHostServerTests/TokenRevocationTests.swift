import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

/// Who a token is, and which connectors are Live, are kept between requests
/// (they are read on every request's path); a write to the registry drops
/// them at once.
@Suite(.timeLimit(.minutes(2))) struct TokenRevocationTests {
    @Test func aRevokedTokenIsRefusedByTheVeryNextRequest() async throws {
        let server = try await ServerFixture.start(over: .router, development: true)
        _ = try await server.request("POST", "admin/orgs", json: ["id": "acme", "name": "Acme"])
        let issued = try await server.request("POST", "admin/orgs/acme/tokens")
        let token = try #require(issued.json["token"] as? String)
        let id = try #require(issued.json["id"] as? String)
        for _ in 0..<3 {
            #expect(try await server.request("GET", "me", token: token).status == 200)
        }
        #expect(try await server.request("DELETE", "admin/tokens/\(id)").status == 200)
        let refused = try await server.request("GET", "me", token: token)
        #expect(refused.status == 401, "\(refused.text)")
        await server.stop()
    }

    @Test func theRegistryForgetsARevokedTokenItIdentifiedBefore() async throws {
        let registry = try await Registry(path: ":memory:")
        _ = try await registry.createOrg(id: "acme", name: "Acme", by: .admin)
        let (id, token) = try await registry.issueToken(for: "acme", by: .admin)
        #expect(try await registry.identify(token)?.tokenId == id)
        #expect(try await registry.identify(token)?.principal == .org("acme"))
        try await registry.revokeToken(id: id, by: .admin)
        #expect(try await registry.identify(token) == nil)
        #expect(try await registry.identify("never-issued") == nil)
    }
}
