import ConnectorHost
import Foundation
import Synchronization
import SharedTestSupport
import Testing

/// Fleet mode: several servers on one PostgreSQL registry (a real cluster,
/// Tests/postgres), each with its own plugin directory, store and workers.
@Suite(.timeLimit(.minutes(10)))
struct FleetTests {
    /// `count` hosts sharing a new PostgreSQL database (on `cluster`, by
    /// default the test process's) and one connection key.
    static func fleet(_ count: Int, on cluster: PostgresCluster? = nil, development: Bool = false) async throws -> [ServerFixture] {
        let database = if let cluster { try await cluster.newDatabase() } else { try await PostgresCluster.shared().newDatabase() }
        let key = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-key-\(UUID().uuidString)")
        var hosts: [ServerFixture] = []
        for index in 0..<count {
            hosts.append(try await ServerFixture.start(development: development, fleet: (database, key, "host-\(index)")))
        }
        return hosts
    }

    /// What another host shows of a change: its notification, or at worst
    /// the next reconciliation, comes in real time between processes. Each
    /// check is an HTTP request, hence checks 50 ms apart, for at most 30 s.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        try await SharedTestSupport.eventually(within: .seconds(30), every: .milliseconds(50), condition)
    }

    @Test func threeHostsTakeConcurrentRegistrationsWithoutSharingIDs() async throws {
        let hosts = try await Self.fleet(3)
        let token = try await hosts[0].org("acme")
        let answers = try await withThrowingTaskGroup(of: (Int, [String: String]).self) { group in
            for index in 0..<300 {
                group.addTask {
                    let answer = try await hosts[index % 3].request(
                        "POST", "orgs/acme/connector", token: token, json: ["name": "c\(index)", "version": "1.0.0"]
                    )
                    return (answer.status, answer.json.compactMapValues { $0 as? String })
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.0 == 200 }, "\(answers.filter { $0.0 != 200 }.prefix(3))")
        let blocks = answers.compactMap { answer -> ClosedRange<Int>? in
            guard let start = answer.1["endpointEntityId"].flatMap(Int.init), let end = answer.1["functionEntityEndId"].flatMap(Int.init)
            else { return nil }
            return start...end
        }.sorted { $0.lowerBound < $1.lowerBound }
        #expect(blocks.count == 300)
        for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(!a.overlaps(b), "blocks \(a) and \(b) overlap") }
        for host in hosts {
            let listing = try await host.request("GET", "orgs/acme/connector", token: token)
            #expect((listing.json["registeredConnectorList"] as? [Any])?.count == 300, "every host lists every registration")
            let plugins = try await host.request("GET", "plugins")
            #expect(plugins.json["host"] as? String != nil, "GET /plugins says which host answered")
        }
        #expect(Set(try await hosts.asyncMap { try await $0.request("GET", "plugins").json["host"] as? String ?? "" }).count == 3)
        for host in hosts { await host.stop() }
    }

    /// Published on one host, served by the others: the build uploaded to
    /// host 0 goes Live through host 2, and hosts 1 and 2 fetch it from the
    /// registry and take calls. A new version then replaces it on every host
    /// while hosts 1 and 2 are under load, without a failed call; a
    /// retirement stops it everywhere.
    @Test func aConnectorPublishedOnOneHostIsServedByAllAndReplacedUnderLoad() async throws {
        let hosts = try await Self.fleet(3)
        let token = try await hosts[0].org("acme")
        try await Self.publish(version: "1.0.0", uploadTo: hosts[0], liveThrough: hosts[2], token: token)
        for host in hosts {
            #expect(try await Self.eventually { try await Self.slug(host, token: token).status == 200 }, "served by \(host.address?.absoluteString ?? "")")
        }

        // Stopped by a flag, never by cancelling: cancelling a task inside
        // URLSession's data(for:) can deadlock FoundationNetworking on Linux.
        let stop = StopFlag()
        let load = Task {
            try await withThrowingTaskGroup(of: [String].self) { group in
                for host in hosts.dropFirst() {
                    group.addTask {
                        var failures: [String] = []
                        while !stop.isSet {
                            let answer = try await Self.slug(host, token: token)
                            if answer.status != 200 { failures.append("\(answer.status) \(answer.text)") }
                        }
                        return failures
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        try await Self.publish(version: "2.0.0", uploadTo: hosts[0], liveThrough: hosts[0], token: token)
        for host in hosts {
            let replaced = try await Self.eventually {
                try await host.request("GET", "plugins/widgets").json["version"] as? String == "2.0.0"
            }
            #expect(replaced, "version 2.0.0 serves on \(host.address?.absoluteString ?? "")")
        }
        stop.set()
        let failures = try await load.value
        #expect(failures.isEmpty, "calls failed during the replacement: \(failures.prefix(5))")

        for version in ["1.0.0", "2.0.0"] {
            let retired = try await hosts[1].request("POST", "v2/connectors/widgets-\(version)/status", token: token,
                                                     json: ["request": ["status": "Retired"]])
            #expect(retired.status == 200, "\(retired.text)")
        }
        for host in hosts {
            #expect(try await Self.eventually { try await Self.slug(host, token: token).status == 404 }, "retired on \(host.address?.absoluteString ?? "")")
        }
        for host in hosts { await host.stop() }
    }

    /// A pause set through one host holds on every host.
    @Test func aPauseOnOneHostHoldsOnAll() async throws {
        let hosts = try await Self.fleet(2)
        let token = try await hosts[0].org("acme")
        try await Self.publish(version: "1.0.0", uploadTo: hosts[0], liveThrough: hosts[0], token: token)
        #expect(try await Self.eventually { try await Self.slug(hosts[1], token: token).status == 200 })
        #expect(try await hosts[0].request("POST", "plugins/widgets/pause").status == 200)
        #expect(try await Self.eventually { try await Self.slug(hosts[1], token: token).status == 503 }, "paused on host 1")
        #expect(try await hosts[0].request("POST", "plugins/widgets/resume").status == 200)
        #expect(try await Self.eventually { try await Self.slug(hosts[1], token: token).status == 200 }, "resumed on host 1")
        for host in hosts { await host.stop() }
    }

    /// PostgreSQL restarted under a running fleet: while it is down, calls to
    /// loaded plugins keep working (each host answers from what it last read,
    /// even what a write since made stale); once it is back, the hosts
    /// reconnect and write again, and nothing written before is lost.
    @Test func theFleetRidesOutADatabaseRestart() async throws {
        // A cluster of its own: stopping it cuts only this test's connections.
        let cluster = try await PostgresCluster.start()
        let hosts = try await Self.fleet(2, on: cluster)
        let token = try await hosts[0].org("acme")
        try await Self.publish(version: "1.0.0", uploadTo: hosts[0], liveThrough: hosts[0], token: token)
        for host in hosts { #expect(try await Self.eventually { try await Self.slug(host, token: token).status == 200 }) }
        for (index, host) in hosts.enumerated() {
            // A write: every answer each host keeps is now stale.
            let registered = try await host.request("POST", "orgs/acme/connector", token: token, json: ["name": "before-\(index)", "version": "1"])
            #expect(registered.status == 200)
        }

        try await cluster.down()
        for host in hosts {
            let answer = try await Self.slug(host, token: token)
            #expect(answer.status == 200, "a loaded plugin answers while the registry is down: \(answer.text)")
        }
        let refused = try await hosts[0].request("POST", "orgs/acme/connector", token: token, json: ["name": "during", "version": "1"])
        #expect(refused.status == 503, "a write waits for the database: \(refused.text)")
        try await cluster.up()

        for (index, host) in hosts.enumerated() {
            let registered = try await Self.eventually {
                try await host.request("POST", "orgs/acme/connector", token: token, json: ["name": "after-\(index)", "version": "1"]).status == 200
            }
            #expect(registered, "host \(index) writes to the registry again")
        }
        let listing = try await hosts[1].request("GET", "orgs/acme/connector", token: token)
        let names = (listing.json["registeredConnectorList"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(names).isSuperset(of: ["widgets", "before-0", "before-1", "after-0", "after-1"]), "nothing lost: \(names)")
        for host in hosts { await host.stop() }
    }

    /// Calls the tracker's `slug` function.
    static func slug(_ host: ServerFixture, token: String) async throws -> ServerFixture.Answer {
        try await host.request("POST", "connectors/widgets/functions/slug", token: token, body: Data(#"["Fleet Call"]"#.utf8))
    }

    /// Registers `widgets` at `version` (through the uploading host), uploads
    /// the tracker built with that registration, validates it, and makes it
    /// Live through `liveThrough`.
    static func publish(version: String, uploadTo upload: ServerFixture, liveThrough live: ServerFixture, token: String) async throws {
        let registered = try await upload.request("POST", "orgs/acme/connector", token: token, json: ["name": "widgets", "version": version])
        try #require(registered.status == 200, "\(registered.text)")
        let path = upload.directory.appendingPathComponent("widgets-\(version).so")
        try await PluginBuilder.tracker(name: "widgets", version: version, registration: registered.json, into: path)
        let (body, type) = ServerFixture.multipart(file: "widgets.so", data: try Data(contentsOf: path))
        let uploaded = try await upload.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        try #require(uploaded.status == 200, "\(uploaded.text)")
        let validated = try await upload.request("POST", "v2/connectors/widgets-\(version)/status", token: token, json: [
            "request": ["status": "InValidation", "credentials": CatalogueAPITests.trackerCredentials(upload)],
        ])
        try #require(validated.status == 200, "\(validated.text)")
        let published = try await live.request("POST", "v2/connectors/widgets-\(version)/status", token: token,
                                               json: ["request": ["status": "Live", "scope": "org"]])
        try #require(published.status == 200, "\(published.text)")
    }
}

/// Tells a loop to stop.
final class StopFlag: Sendable {
    private let stopped = Mutex(false)

    var isSet: Bool { stopped.withLock { $0 } }

    func set() { stopped.withLock { $0 = true } }
}

extension Array where Element: Sendable {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
