@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A declarative connector with OAuth2 client credentials, against a real
/// authorization server (Authlib, Tests/http/oauth2_server.py): one token for
/// many callers, kept until it is about to expire, replaced once when the API
/// refuses it, and client authentication by Basic header or in the body.
@Suite(.timeLimit(.minutes(2))) struct OAuth2ConnectorTests {
    static func document(port: Int, clientAuth: String) -> String {
        """
        name: secured
        base_url: http://127.0.0.1:\(port)
        version: 1.0.0
        auth_type: oauth2
        grant_type: client_credentials
        token_url: http://127.0.0.1:\(port)/token
        scopes: read
        client_auth: \(clientAuth)
        credential_schema:
          client_id: {label: Client ID, required: true}
          client_secret: {label: Client secret, type: password, required: true}
        operations:
          - {name: me, method: GET, path: /api/me}
        """
    }

    static func credentials(_ client: String, secret: String = "s3cret") -> [SessionSetting] {
        [SessionSetting(key: "client_id", value: client), SessionSetting(key: "client_secret", value: secret, sensitive: true)]
    }

    static func stats(_ server: LoopbackServer) async throws -> [String: Int] {
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        let (data, _) = try await session.data(from: try #require(URL(string: "\(server.url)/stats")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
    }

    /// Every access token the server issued stops being valid.
    static func revokeAll(_ server: LoopbackServer) async throws {
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        var revoke = URLRequest(url: try #require(URL(string: "\(server.url)/revoke-all")))
        revoke.httpMethod = "POST"
        _ = try await session.data(for: revoke)
    }

    static func me(_ host: ConnectorHost, _ credentials: [SessionSetting]) async throws(ConnectorHostError) -> JSONValue {
        try await DeclarativeConnectorTests.call(host, "secured", "me", "{}", credentials)
    }

    @Test func oneTokenServesManyCallersUntilTheAPIRefusesIt() async throws {
        let server = try LoopbackServer.start("oauth2_server.py")
        let host = try await DeclarativeConnectorTests.host([
            "secured.connector.yaml": Self.document(port: server.port, clientAuth: "basic"),
        ])
        let credentials = Self.credentials("basic-client")
        let clients = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try await Self.me(host, credentials)["client"]?.stringValue } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(clients == Array(repeating: "basic-client", count: 8))
        for _ in 0..<3 { _ = try await Self.me(host, credentials) }
        #expect(try await Self.stats(server)["tokens_issued"] == 1, "one fetch, however many callers")

        // The API stops accepting the token: it is replaced once and the call repeated.
        try await Self.revokeAll(server)
        #expect(try await Self.me(host, credentials)["client"]?.stringValue == "basic-client")
        #expect(try await Self.stats(server)["tokens_issued"] == 2)
        await host.shutdown()
    }

    /// The authorization-code grant: a refresh token supplied as a credential,
    /// which the server rotates; each refresh must use the newest one.
    @Test func aRotatedRefreshTokenReplacesTheOldOne() async throws {
        let server = try LoopbackServer.start("oauth2_server.py")
        let document = Self.document(port: server.port, clientAuth: "basic")
            .replacingOccurrences(of: "grant_type: client_credentials", with: "grant_type: authorization_code")
            .replacingOccurrences(of: "credential_schema:", with: """
                credential_schema:
                  refresh_token: {label: Refresh token, type: password, required: true}
                """)
        let host = try await DeclarativeConnectorTests.host(["secured.connector.yaml": document])
        let credentials = Self.credentials("basic-client") + [SessionSetting(key: "refresh_token", value: "r0", sensitive: true)]
        #expect(try await Self.me(host, credentials)["client"]?.stringValue == "basic-client")
        // The server now refuses r0; after a refused access token only the rotated one works.
        try await Self.revokeAll(server)
        #expect(try await Self.me(host, credentials)["client"]?.stringValue == "basic-client")
        #expect(try await Self.stats(server)["refreshes"] == 2, "two refreshes, the second with the rotated token")

        // A new session of the same credentials starts from the newest token, not the spent one.
        try await host.connector(named: "secured").closeSession(credentials: credentials)
        #expect(try await Self.me(host, credentials)["client"]?.stringValue == "basic-client")
        #expect(try await Self.stats(server)["refreshes"] == 3)
        await host.shutdown()
    }

    @Test func aTokenAboutToExpireIsReplacedBeforeItIsUsed() async throws {
        // 60 seconds is the margin: such a token is replaced at once.
        let server = try LoopbackServer.start("oauth2_server.py", ["60"])
        let host = try await DeclarativeConnectorTests.host([
            "secured.connector.yaml": Self.document(port: server.port, clientAuth: "basic"),
        ])
        for _ in 0..<3 { _ = try await Self.me(host, Self.credentials("basic-client")) }
        #expect(try await Self.stats(server)["tokens_issued"] == 3)
        await host.shutdown()
    }

    @Test func theClientAuthenticatesWhereTheDocumentSaysAndBadCredentialsAreNotRetried() async throws {
        let server = try LoopbackServer.start("oauth2_server.py")
        let inBody = try await DeclarativeConnectorTests.host([
            "secured.connector.yaml": Self.document(port: server.port, clientAuth: "body"),
        ])
        #expect(try await Self.me(inBody, Self.credentials("post-client"))["client"]?.stringValue == "post-client")
        await inBody.shutdown()

        let basic = try await DeclarativeConnectorTests.host([
            "secured.connector.yaml": Self.document(port: server.port, clientAuth: "basic"),
        ])
        let requestsBefore = try await Self.stats(server)["token_requests"] ?? 0
        let refused = await hostError { () throws(ConnectorHostError) in
            try await Self.me(basic, Self.credentials("basic-client", secret: "wrong"))
        }
        #expect(refused?.code == .unauthorized)
        #expect(refused?.message.contains("refused the credentials (401: invalid_client") == true, "\(refused?.message ?? "")")
        let requests = try await Self.stats(server)["token_requests"] ?? 0
        // One for the call, one for the call repeated in a new session: never a retry loop.
        #expect(requests - requestsBefore <= 2, "\(requests - requestsBefore) token requests")
        await basic.shutdown()
    }
}
