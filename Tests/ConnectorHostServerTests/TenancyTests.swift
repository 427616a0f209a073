import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import Testing

/// Two orgs on one server without `--dev`, the second one hostile: it cannot
/// claim, shadow, replace, overwrite, delete or even see what belongs to the
/// first.
@Suite(.timeLimit(.minutes(5))) struct TenancyTests {
    /// Org `owner`'s connector `name`, built from the tracker, uploaded and
    /// taken Live with scope `org`.
    static func liveTracker(
        _ server: ServerFixture, token: String, org: String, name: String
    ) async throws -> [String: Any] {
        let registered = try await server.request("POST", "orgs/\(org)/connector", token: token,
                                                  json: ["name": name, "version": "1.0.0"])
        #expect(registered.status == 200, "\(registered.text)")
        let path = server.directory.appendingPathComponent("\(org)-\(name).so")
        try await PluginBuilder.tracker(name: name, registration: registered.json, into: path)
        let (body, type) = ServerFixture.multipart(file: "\(name).so", data: try Data(contentsOf: path))
        let uploaded = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        #expect(uploaded.status == 200, "\(uploaded.text)")
        let validating = try await server.request("POST", "v2/connectors/\(name)-1.0.0/status", token: token, json: [
            "request": ["status": "InValidation", "credentials": CatalogueAPITests.trackerCredentials(server)],
        ])
        #expect(validating.status == 200, "\(validating.text)")
        let live = try await server.request("POST", "v2/connectors/\(name)-1.0.0/status", token: token,
                                            json: ["request": ["status": "Live", "scope": "org"]])
        #expect(live.status == 200, "\(live.text)")
        return registered.json
    }

    static func slug(_ server: ServerFixture, _ connector: String, token: String) async throws -> ServerFixture.Answer {
        try await server.request("POST", "connectors/\(connector)/functions/slug", token: token,
                                 body: Data(#"["Owner Build"]"#.utf8))
    }

    static func upload(_ server: ServerFixture, _ path: URL, as name: String, token: String) async throws
        -> ServerFixture.Answer
    {
        let (body, type) = ServerFixture.multipart(file: name, data: try Data(contentsOf: path))
        return try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
    }

    static func storedFiles(_ server: ServerFixture) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: server.directory.appendingPathComponent("store").path))
            ?? []).sorted()
    }

    @Test func anotherOrgCannotReplaceTheCodeBehindALiveConnector() async throws {
        let server = try await ServerFixture.start(over: .router)
        let a = try await server.org("a")
        let b = try await server.org("b")
        _ = try await Self.liveTracker(server, token: a, org: "a", name: "jira")
        let servedBefore = server.server.host.plugin(named: "jira")?.fileSHA256
        #expect(try await Self.slug(server, "jira", token: a).json["result"] as? String == "owner-build")

        // The name is a's: b can register it neither as it is nor in another case.
        for name in ["jira", "JIRA", "Jira"] {
            let claimed = try await server.request("POST", "orgs/b/connector", token: b,
                                                   json: ["name": name, "version": "2.0.0"])
            #expect(claimed.status == 409, "\(name): \(claimed.text)")
            #expect(claimed.text.contains("belongs to another org"), "\(claimed.text)")
        }

        // b registers a name of its own and builds a plugin that calls itself jira.
        let evil = try await server.request("POST", "orgs/b/connector", token: b, json: ["name": "evil", "version": "2.0.0"])
        #expect(evil.status == 200)
        let impostor = server.directory.appendingPathComponent("impostor.so")
        try await PluginBuilder.build(name: "jira", registration: evil.json, version: "2.0.0", extraFlags: ["-DFIXTURE_CUSTOM"],
                                into: impostor)
        let storedBefore = Self.storedFiles(server)
        let refused = try await Self.upload(server, impostor, as: "impostor.so", token: b)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.text.contains("is not the name of its registration"), "\(refused.text)")
        #expect(!refused.text.contains(server.directory.path), "no server path in \(refused.text)")
        #expect(Self.storedFiles(server) == storedBefore, "a refused upload leaves nothing in the store")

        // Nothing b did reached a's connector: same build, a's calls answered by it.
        let publish = try await server.request("POST", "v2/connectors/jira-2.0.0/status", token: b,
                                               json: ["request": ["status": "InValidation"]])
        #expect(publish.status == 404)
        #expect(server.server.host.plugin(named: "jira")?.fileSHA256 == servedBefore)
        #expect(try await Self.slug(server, "jira", token: a).json["result"] as? String == "owner-build")
        #expect(try await Self.slug(server, "jira", token: b).status == 404)
        await server.stop()
    }

    @Test func anotherOrgCannotOverwriteOrDeleteADraft() async throws {
        let server = try await ServerFixture.start(over: .router)
        let a = try await server.org("a")
        let b = try await server.org("b")
        let (path, registration) = try await CatalogueAPITests.registeredPlugin(server, token: a, org: "a", name: "widgets")
        #expect(try await Self.upload(server, path, as: "widgets.so", token: a).status == 200)
        let before = try #require(try await server.server.registry.catalogueEntry(id: "widgets-1.0.0"))

        let gizmo = try await server.request("POST", "orgs/b/connector", token: b, json: ["name": "gizmo", "version": "1.0.0"])
        let twin = server.directory.appendingPathComponent("twin.so")
        try await PluginBuilder.build(name: "widgets", registration: gizmo.json, into: twin)
        let refused = try await Self.upload(server, twin, as: "twin.so", token: b)
        #expect((400..<500).contains(refused.status), "\(refused.text)")
        let after = try #require(try await server.server.registry.catalogueEntry(id: "widgets-1.0.0"))
        #expect(after == before, "a's Draft still points at a's registration and file")
        #expect(after.connectorId == registration["id"] as? String)

        let gizmoId = try #require(gizmo.json["id"] as? String)
        #expect(try await server.request("DELETE", "orgs/b/connector/\(gizmoId)", token: b).status == 200)
        #expect(try await server.server.registry.catalogueEntry(id: "widgets-1.0.0") == before, "b's deletion leaves a's entry")
        // b cannot delete a's registration either, not even by naming a's org.
        let aId = try #require(registration["id"] as? String)
        #expect(try await server.request("DELETE", "orgs/a/connector/\(aId)", token: b).status == 401)
        #expect(try await server.request("DELETE", "orgs/b/connector/\(aId)", token: b).status == 404)
        await server.stop()
    }

    @Test func anOrgSeesOnlyItsOwnPluginsAndWhatIsPublishedToEveryOrg() async throws {
        let server = try await ServerFixture.start(over: .router)
        let a = try await server.org("a")
        let b = try await server.org("b")
        let registration = try await Self.liveTracker(server, token: a, org: "a", name: "jira")
        let key = try #require(registration["key"] as? String)

        let own = try await server.request("GET", "plugins", token: a)
        #expect(own.text.contains("\"jira\""), "\(own.text)")
        #expect(!own.text.contains(server.directory.path), "an org never sees server paths: \(own.text)")
        let mine = try await server.request("GET", "plugins/jira", token: a)
        #expect(mine.status == 200)
        #expect(mine.json["key"] as? String == key)

        let others = try await server.request("GET", "plugins", token: b)
        #expect(others.status == 200)
        #expect(!others.text.contains("jira"), "\(others.text)")
        let hidden = try await server.request("GET", "plugins/jira", token: b)
        #expect(hidden.status == 404)
        let unknown = try await server.request("GET", "plugins/nothing-here", token: b)
        #expect(unknown.status == 404)
        #expect(hidden.text.replacingOccurrences(of: "jira", with: "nothing-here") == unknown.text,
                "a hidden connector answers exactly as one that does not exist")
        #expect(!unknown.text.contains(server.directory.path))
        #expect(try await server.request("GET", "plugins", token: ServerFixture.adminToken).text.contains("jira"))
        #expect(try await server.request("GET", "metrics", token: b).status == 401, "metrics name every org's plugins")

        let entries = try await server.server.registry.catalogue(visibleTo: .org("b"))
        #expect(entries.isEmpty, "b sees no entry of a's")
        await server.stop()
    }

    @Test func aPublishedConnectorShowsOtherOrgsNoKeyNoPath() async throws {
        let server = try await ServerFixture.start(over: .router)
        let a = try await server.org("a")
        let b = try await server.org("b")
        let registered = try await server.request("POST", "orgs/a/connector", token: a,
                                                  json: ["name": "shared", "version": "1.0.0"])
        let path = server.directory.appendingPathComponent("shared.so")
        try await PluginBuilder.tracker(name: "shared", registration: registered.json, into: path)
        #expect(try await Self.upload(server, path, as: "shared.so", token: a).status == 200)
        _ = try await server.request("POST", "v2/connectors/shared-1.0.0/status", token: a, json: [
            "request": ["status": "InValidation", "credentials": CatalogueAPITests.trackerCredentials(server)],
        ])
        let live = try await server.request("POST", "v2/connectors/shared-1.0.0/status", json: [
            "request": ["status": "Live", "scope": "catalogue"],
        ])
        #expect(live.status == 200, "\(live.text)")
        let seen = try await server.request("GET", "plugins/shared", token: b)
        #expect(seen.status == 200)
        #expect(seen.json["name"] as? String == "shared")
        #expect(seen.json["health"] as? String == "idle", "not called yet")
        for field in ["key", "endpointEntityId", "functions", "pid"] {
            #expect(seen.json[field] == nil, "\(field) in \(seen.text)")
        }
        #expect(seen.json["path"] as? String == "")
        #expect(try await Self.slug(server, "shared", token: b).json["result"] as? String == "owner-build")
        // Published to everyone, still a's: b cannot take the name.
        let claimed = try await server.request("POST", "orgs/b/connector", token: b, json: ["name": "shared", "version": "9.0.0"])
        #expect(claimed.status == 409)
        await server.stop()
    }

    @Test func aRestartServesEveryLiveConnectorFromTheStore() async throws {
        let first = try await ServerFixture.start(over: .router)
        let a = try await first.org("a")
        _ = try await Self.liveTracker(first, token: a, org: "a", name: "jira")
        #expect(try await Self.slug(first, "jira", token: a).status == 200)
        let sha = first.server.host.plugin(named: "jira")?.fileSHA256
        await first.stop()

        let second = try await ServerFixture.start(over: .router, reusing: first.directory)
        #expect(second.server.host.plugin(named: "jira")?.fileSHA256 == sha)
        let answered = try await Self.slug(second, "jira", token: a)
        #expect(answered.status == 200, "\(answered.text)")
        #expect(answered.json["result"] as? String == "owner-build")
        await second.stop()

        // A stored build that changed behind the registry's back is not served.
        let stored = try #require(Self.storedFiles(second).first { $0.hasSuffix(".so") })
        let storedPath = second.directory.appendingPathComponent("store/\(stored)")
        var bytes = try Data(contentsOf: storedPath)
        bytes.append(0)
        try bytes.write(to: storedPath)
        let third = try await ServerFixture.start(over: .router, reusing: first.directory)
        #expect(third.server.host.plugin(named: "jira") == nil)
        #expect(try await Self.slug(third, "jira", token: a).status == 404)
        await third.stop()
    }

    /// The plugin directory and reloads bind names to code too: a file keyed
    /// to b's registration that calls itself a's connector is refused at
    /// discovery — also when its path sorts first, so it cannot shadow a's
    /// file — and when it replaces a's file.
    @Test func aPluginFileCannotClaimAnotherOrgsName() async throws {
        let server = try await ServerFixture.start(over: .router) { directory in
            let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
            for org in ["a", "b"] { _ = try await registry.createOrg(id: org, name: org, by: .admin) }
            func identity(_ new: NewRegistration) -> [String: Any] {
                ["key": new.registration.key, "secret": new.secret,
                 "endpointEntityId": String(new.registration.endpointEntityId),
                 "functionEntityStartId": String(new.registration.functionEntityIds.lowerBound),
                 "functionEntityEndId": String(new.registration.functionEntityIds.upperBound)]
            }
            let jira = try await registry.register(org: "a", name: "jira", version: "1.0.0", by: .admin)
            try await PluginBuilder.build(name: "jira", registration: identity(jira), into: directory.appendingPathComponent("plugins/jira.so"))
            let evil = try await registry.register(org: "b", name: "evil", version: "1.0.0", by: .admin)
            try await PluginBuilder.build(name: "jira", registration: identity(evil), version: "6.6.6",
                                    into: directory.appendingPathComponent("impostor.so"))
            try FileManager.default.copyItem(at: directory.appendingPathComponent("impostor.so"),
                                             to: directory.appendingPathComponent("plugins/aa-impostor.so"))
        }
        let rejected = try #require(server.server.host.discovery.rejected.first { $0.path.hasSuffix("aa-impostor.so") })
        #expect(rejected.error.code == .manifestInvalid)
        #expect(rejected.error.message.contains("is not the name of its registration"), "\(rejected.error)")
        let served = try #require(server.server.host.plugin(named: "jira"))
        #expect(served.description.manifest.version == "1.0.0")

        try FileManager.default.removeItem(at: server.plugins.appendingPathComponent("jira.so"))
        try FileManager.default.copyItem(at: server.directory.appendingPathComponent("impostor.so"),
                                         to: server.plugins.appendingPathComponent("jira.so"))
        let reload = try await server.request("POST", "plugins/jira/reload")
        #expect(reload.status == 422, "\(reload.text)")
        #expect(server.server.host.plugin(named: "jira")?.fileSHA256 == served.fileSHA256, "a's build keeps serving")
        await server.stop()
    }

    @Test func theAdminTokenRotatesWithoutTouchingTheDatabase() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)")
        let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
        #expect(try await registry.ensureAdminToken(configured: "first-admin-token") == nil)
        #expect(try await registry.authenticate("first-admin-token") == .admin)
        #expect(try await registry.ensureAdminToken(configured: "second-admin-token") == nil, "a restart with another token")
        #expect(try await registry.authenticate("second-admin-token") == .admin)
        #expect(try await registry.authenticate("first-admin-token") == nil, "the configured token it replaced is revoked")
        #expect(try await registry.ensureAdminToken(configured: "second-admin-token") == nil, "the same token again is fine")
        await #expect(throws: ConnectorHostError.self) { try await registry.ensureAdminToken(configured: "first-admin-token") }

        let server = try await ServerFixture.start(over: .router)
        let issued = try await server.request("POST", "admin/tokens")
        #expect(issued.status == 201)
        let token = try #require(issued.json["token"] as? String)
        let id = try #require(issued.json["id"] as? String)
        #expect(try await server.request("GET", "admin/orgs", token: token).status == 200)
        let listed = try await server.request("GET", "admin/tokens", token: token)
        #expect(listed.text.contains(id))
        #expect(!listed.text.contains(token), "a listing never shows a token")
        let configured = try #require(
            (listed.json["tokens"] as? [[String: Any]])?.first { ($0["id"] as? String)?.hasPrefix("admin-configured") == true }?["id"]
                as? String
        )
        #expect(try await server.request("DELETE", "admin/tokens/\(configured)", token: token).status == 200)
        #expect(try await server.request("GET", "admin/orgs").status == 401, "the revoked token no longer works")
        let itself = try await server.request("DELETE", "admin/tokens/\(id)", token: token)
        #expect(itself.status == 409, "a token cannot revoke itself: \(itself.text)")
        #expect(itself.text.contains("a token cannot revoke itself"))
        let listedAgain = try await server.request("GET", "admin/tokens", token: token)
        let record = (listedAgain.json["tokens"] as? [[String: Any]])?.first { $0["id"] as? String == configured }
        #expect(record?["revokedAt"] is String)
        #expect(record?.keys.contains("org") == true && record?["org"] is NSNull, "every key, null ones too")
        await server.stop()
        // Through the registry, which has no caller's token: the last admin token stays.
        await #expect(throws: ConnectorHostError.self) { try await server.server.registry.revokeToken(id: id, by: .admin) }
    }

    @Test func thePluginStoreLivesBesideTheRegistryByDefault() {
        let configuration = ServerConfiguration(host: HostConfiguration(pluginDirectory: "plugins"))
        var elsewhere = configuration
        elsewhere.database = "/var/lib/connector-host/registry.sqlite"
        #expect(elsewhere.resolvedPluginStore.path == "/var/lib/connector-host/plugin-store")
        elsewhere.pluginStore = "/srv/store"
        #expect(elsewhere.resolvedPluginStore.path == "/srv/store")
    }
}
