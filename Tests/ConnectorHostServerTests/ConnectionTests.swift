import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// Saved connections against a real server and the bundled tracker: settings
/// sealed at rest and never answered back, calls that run with them, one org
/// kept out of another's, versions moved on purpose, and sealed bytes that
/// do not open once changed.
@Suite(.timeLimit(.minutes(5))) struct ConnectionTests {
    static let secret = "s3cr3t-" + UUID().uuidString

    static func settings(_ server: ServerFixture, user: String = "integration") -> [[String: Any]] {
        [
            ["key": "database", "value": server.directory.appendingPathComponent("tracker.sqlite").path, "sensitive": false],
            ["key": "username", "value": user, "sensitive": false],
            ["key": "api_token", "value": secret, "sensitive": true],
        ]
    }

    /// Saves a tracker connection for `user` and answers its ID.
    static func save(_ server: ServerFixture, _ name: String, user: String = "integration", token: String) async throws -> String {
        let saved = try await server.request("POST", "connections", token: token, json: [
            "connector": "tracker", "name": name, "settings": settings(server, user: user),
        ])
        return try #require(saved.json["id"] as? String, "\(saved.text)")
    }

    static func serverInfo(_ server: ServerFixture, connection: String, token: String) async throws -> ServerFixture.Answer {
        try await server.request("GET", "\(SDKRoutesTests.sdk)/server-info", token: token, headers: ["connector-connection": connection])
    }

    @Test func settingsAreSealedAtRestAndASensitiveValueIsNeverAnsweredBack() async throws {
        let server = try await SDKRoutesTests.start()
        let a = try await server.org("a")
        let created = try await server.request("POST", "connections", token: a, json: [
            "connector": "tracker", "name": "production", "settings": Self.settings(server),
        ])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["version"] as? String == "1.0.0", "the version serving")
        #expect(created.json["org"] as? String == "a")
        let listed = try await server.request("GET", "connections", token: a)
        for answer in [created, listed] {
            #expect(!answer.text.contains(Self.secret), "\(answer.text)")
            #expect(answer.text.contains("********"))
        }

        let key = server.directory.appendingPathComponent("connection-key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        for file in ["registry.sqlite", "registry.sqlite-wal"] {
            let bytes = (try? Data(contentsOf: server.directory.appendingPathComponent(file))) ?? Data()
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds the secret in clear")
            // A plain setting's value found nowhere else in the registry (the
            // tracker's own description, kept by the scan cache, says "integration").
            let database = server.directory.appendingPathComponent("tracker.sqlite").path
            #expect(bytes.range(of: Data(database.utf8)) == nil, "\(file) holds a setting in clear")
        }
        await server.stop()
    }

    @Test func aCallRunsWithItsConnectionsSettingsAndNoOtherOrgCanUseIt() async throws {
        let server = try await SDKRoutesTests.start()
        let a = try await server.org("a")
        let b = try await server.org("b")
        let goodID = try await Self.save(server, "integration", token: a)
        let malloryID = try await Self.save(server, "mallory", user: "mallory", token: a)

        let answered = try await Self.serverInfo(server, connection: goodID, token: a)
        #expect(answered.status == 200, "\(answered.text)")
        #expect(answered.json["maxResults"] as? Int == 50)
        let refused = try await Self.serverInfo(server, connection: malloryID, token: a)
        #expect(refused.text.contains("no tracker user named 'mallory'"), "the connection's own settings: \(refused.text)")

        #expect(try await Self.serverInfo(server, connection: goodID, token: b).status == 404, "another org's connection")
        #expect(try await server.request("GET", "connections/\(goodID)", token: b).status == 404)
        #expect(try await server.request("DELETE", "connections/\(goodID)", token: b).status == 404)
        #expect((try await server.request("GET", "connections", token: b).json["connections"] as? [Any])?.isEmpty == true)
        let duplicate = try await server.request("POST", "connections", token: a, json: [
            "connector": "tracker", "name": "integration", "settings": [] as [Any],
        ])
        #expect(duplicate.status == 409, "\(duplicate.text)")
        #expect(try await server.request("DELETE", "connections/\(goodID)", token: a).status == 200)
        #expect(try await Self.serverInfo(server, connection: goodID, token: a).status == 404)
        await server.stop()
    }

    @Test func aConnectionSavedForAnotherVersionIsMovedOnPurpose() async throws {
        let server = try await SDKRoutesTests.start()
        let a = try await server.org("a")
        let created = try await server.request("POST", "connections", token: a, json: [
            "connector": "tracker", "name": "old", "version": "0.9.0", "settings": Self.settings(server),
        ])
        let id = try #require(created.json["id"] as? String)
        let refused = try await Self.serverInfo(server, connection: id, token: a)
        #expect(refused.status == 409, "\(refused.text)")
        #expect(refused.text.contains("is for tracker 0.9.0, and 1.0.0 is serving"), "\(refused.text)")

        let moved = try await server.request("PUT", "connections/\(id)", token: a, json: ["version": "1.0.0"])
        #expect(moved.json["version"] as? String == "1.0.0", "\(moved.text)")
        #expect(try await Self.serverInfo(server, connection: id, token: a).status == 200)
        await server.stop()
    }

    @Test func sealedSettingsThatWereChangedDoNotOpen() async throws {
        let server = try await SDKRoutesTests.start()
        let a = try await server.org("a")
        let firstID = try await Self.save(server, "first", token: a)
        let secondID = try await Self.save(server, "second", user: "mallory", token: a)
        // Another row's sealed bytes, copied under the first: bound to the second, they do not open.
        try await Self.sqlite(server, "UPDATE connections SET sealed_settings = (SELECT sealed_settings FROM connections WHERE id = '\(secondID)') WHERE id = '\(firstID)'")
        let swapped = try await Self.serverInfo(server, connection: firstID, token: a)
        #expect(swapped.status == 503, "\(swapped.text)")
        #expect(swapped.text.contains("do not open with this server's connection key"), "\(swapped.text)")
        // One flipped byte.
        try await Self.sqlite(server, """
            UPDATE connections SET sealed_settings = substr(sealed_settings, 1, 20)
              || CASE WHEN substr(sealed_settings, 21, 1) = X'00' THEN X'01' ELSE X'00' END || substr(sealed_settings, 22)
            WHERE id = '\(secondID)'
            """)
        #expect(try await server.request("GET", "connections/\(secondID)", token: a).status == 503)
        await server.stop()
    }

    /// Runs `statement` on the server's registry file from another process,
    /// as anyone with the file could.
    static func sqlite(_ server: ServerFixture, _ statement: String) async throws {
        try await ChildProcess.succeed([
            "python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
            server.directory.appendingPathComponent("registry.sqlite").path, statement,
        ])
    }
}
