import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// One registry, two databases: every test here runs against SQLite and
/// against PostgreSQL, and expects the same answers.
@Suite(.timeLimit(.minutes(5)))
struct RegistryBackendTests {
    @Test(arguments: RegistryBackend.allCases)
    func orgsAndTokens(_ backend: RegistryBackend) async throws {
        let registry = try await backend.open()
        let generated = try await registry.ensureAdminToken(configured: nil)
        #expect(generated != nil, "a first start generates an admin token")
        #expect(try await registry.ensureAdminToken(configured: nil) == nil, "and only the first")
        _ = try await registry.createOrg(id: "acme", name: "Acme", by: .admin)
        await #expect(throws: ConnectorHostError.self) { _ = try await registry.createOrg(id: "acme", name: "Again", by: .admin) }
        #expect(try await registry.orgs().map(\.id) == ["acme"])
        #expect(try await registry.orgExists("acme"))
        #expect(try await !registry.orgExists("other"))

        let issued = try await registry.issueToken(for: "acme", by: .admin)
        #expect(try await registry.identify(issued.token)?.principal == .org("acme"))
        #expect(try await registry.identify(issued.token)?.tokenId == issued.id)
        try await registry.revokeToken(id: issued.id, by: .admin)
        #expect(try await registry.identify(issued.token) == nil, "a revoked token is refused at once")
        #expect(try await registry.identify("never-issued") == nil)
        let actions = try await registry.auditTrail().map(\.action)
        #expect(actions.first == "token revoked", "newest first: \(actions)")
        await registry.close()
    }

    @Test(arguments: RegistryBackend.allCases)
    func registrationsGetDisjointBlocksAndNamesBelongToOneOrg(_ backend: RegistryBackend) async throws {
        let registry = try await backend.open()
        for org in ["a", "b"] { _ = try await registry.createOrg(id: org, name: org, by: .admin) }
        var registrations: [NewRegistration] = []
        for index in 0..<10 {
            registrations.append(try await registry.register(org: index % 2 == 0 ? "a" : "b", name: "c\(index)", version: "1.0.0", by: .admin))
        }
        let blocks = registrations.map { $0.registration.endpointEntityId...$0.registration.functionEntityIds.upperBound }
        for (index, block) in blocks.enumerated() {
            #expect(block.count == Int(Registry.blockSize))
            for other in blocks[(index + 1)...] { #expect(!block.overlaps(other), "\(block) and \(other)") }
        }
        let first = try #require(registrations.first)
        #expect(try await registry.verify(key: first.registration.key, secret: PluginSecret(first.secret)).id == first.registration.id)
        await #expect(throws: ConnectorHostError.self) {
            _ = try await registry.verify(key: first.registration.key, secret: PluginSecret("wrong"))
        }
        let taken = await #expect(throws: ConnectorHostError.self) {
            _ = try await registry.register(org: "b", name: "C0", version: "2.0.0", by: .admin)
        }
        #expect(taken?.code == .conflict, "a name belongs to the org that registered it first, whatever its case")
        let twice = await #expect(throws: ConnectorHostError.self) {
            _ = try await registry.register(org: "a", name: "c0", version: "1.0.0", by: .admin)
        }
        #expect(twice?.code == .conflict)
        #expect(try await registry.registrations(org: "a").count == 5)
        #expect(try await registry.owner(ofConnectorNamed: "C2") == "a")
        await registry.close()
    }

    @Test(arguments: RegistryBackend.allCases)
    func operatorStateIsKept(_ backend: RegistryBackend) async throws {
        let location = try await backend.newLocation()
        let registry = try await backend.open(location)
        try await registry.setPaused(true, plugin: "jira", by: "admin")
        try await registry.setQuarantine(plugin: "crm", sha256: "ab12", reason: "crashed 3 times")
        await registry.close()
        let reopened = try await backend.open(location)
        #expect(try await reopened.pausedPlugins() == ["jira"])
        #expect(try await reopened.quarantines().map(\.plugin) == ["crm"])
        try await reopened.clearQuarantine(plugin: "crm")
        try await reopened.setPaused(false, plugin: "jira", by: "admin")
        #expect(try await reopened.quarantines().isEmpty)
        #expect(try await reopened.pausedPlugins().isEmpty)
        await reopened.close()
    }

    /// Two registries on one database, as two hosts of a fleet: each
    /// registration's ID block is taken in one transaction that no other
    /// host's interleaves with.
    @Test func concurrentRegistrationsOnTwoHostsNeverShareIDs() async throws {
        let location = try await RegistryBackend.postgresql.newLocation()
        let first = try await RegistryBackend.postgresql.open(location, hostID: "one")
        let second = try await RegistryBackend.postgresql.open(location, hostID: "two")
        _ = try await first.createOrg(id: "acme", name: "Acme", by: .admin)
        let registrations = try await withThrowingTaskGroup(of: NewRegistration.self) { group in
            for index in 0..<100 {
                group.addTask {
                    try await (index % 2 == 0 ? first : second).register(org: "acme", name: "c\(index)", version: "1", by: .admin)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let starts = Set(registrations.map(\.registration.endpointEntityId))
        #expect(starts.count == 100)
        let sorted = starts.sorted()
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $1 - $0 >= Registry.blockSize })
        #expect(try await second.registrations(org: "acme").count == 100)
        await first.close()
        await second.close()
    }

    /// Hosts that start together on a new database migrate it once: one
    /// applies each step, the others find it done.
    @Test func hostsStartingTogetherMigrateOnce() async throws {
        let location = try await RegistryBackend.postgresql.newLocation()
        let registries = try await withThrowingTaskGroup(of: Registry.self) { group in
            for index in 0..<4 {
                group.addTask { try await RegistryBackend.postgresql.open(location, hostID: "host-\(index)") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(registries.count == 4)
        _ = try await registries[0].createOrg(id: "acme", name: "Acme", by: .admin)
        for registry in registries {
            #expect(try await registry.orgExists("acme"), "every host sees the one schema")
            await registry.close()
        }
        let cluster = try await PostgresCluster.shared()
        let versions = try await cluster.query("SELECT count(*), count(DISTINCT version) FROM schema_migrations", database: location)
        #expect(versions == "1|1", "one row per step: \(versions)")
    }

    /// A token revoked through one host is refused by another that had it
    /// cached, once the revocation's notification arrives.
    @Test func aRevocationOnOneHostReachesTheOthersCache() async throws {
        let location = try await RegistryBackend.postgresql.newLocation()
        let first = try await RegistryBackend.postgresql.open(location, hostID: "one")
        let second = try await RegistryBackend.postgresql.open(location, hostID: "two")
        _ = try await first.createOrg(id: "acme", name: "Acme", by: .admin)
        let issued = try await first.issueToken(for: "acme", by: .admin)
        let (changes, seen) = AsyncStream.makeStream(of: Void.self)
        let following = Task { await second.followChanges { seen.yield() } }
        var arrivals = changes.makeAsyncIterator()
        _ = await arrivals.next()  // listening
        #expect(try await second.identify(issued.token) != nil)
        try await first.revokeToken(id: issued.id, by: .admin)
        _ = await arrivals.next()
        #expect(try await second.identify(issued.token) == nil)
        following.cancel()
        await following.value
        await first.close()
        await second.close()
    }
}
