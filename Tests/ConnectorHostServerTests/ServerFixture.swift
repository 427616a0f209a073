import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import SharedTestSupport
import Logging
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server on a free loopback port, over a temporary registry and plugin
/// directory, called over real HTTP.
final class ServerFixture: Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let adminToken = "test-admin-token"
    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    let directory: URL
    let server: ConnectorServer
    let base: URL
    private let task: Task<Void, any Error>
    /// This server's own connections: a port may go to another server once
    /// this one stops, and no connection to this one may be reused for it.
    private let session = URLSession(configuration: .ephemeral)

    private init(directory: URL, server: ConnectorServer, base: URL, task: Task<Void, any Error>) {
        self.directory = directory
        self.server = server
        self.base = base
        self.task = task
    }

    var plugins: URL { directory.appendingPathComponent("plugins") }
    var database: String { directory.appendingPathComponent("registry.sqlite").path }

    /// Starts a server.
    ///
    /// - Parameters:
    ///   - development: `--dev`.
    ///   - watch: `--watch`.
    ///   - prepare: Runs on the temporary directory before the server starts
    ///     (to put plugins in place, or register them).
    ///   - configure: Adjusts the host's configuration.
    ///   - logger: Where the server and its plugins log.
    ///   - reusing: The directory of a server started before (and stopped), to
    ///     start again on its registry, store and plugins.
    ///   - sdkDefaultConnector: `--sdk-default-connector`.
    ///   - fleet: The PostgreSQL registry and the connection key the hosts of a
    ///     fleet share, and this host's ID; nil for a SQLite registry in the directory.
    static func start(
        development: Bool = false, watch: Bool = false, reusing: URL? = nil, logger: Logger = quietLogger,
        sdkDefaultConnector: String? = nil, fleet: (database: String, connectionKey: URL, hostID: String)? = nil,
        prepare: (URL) async throws -> Void = { _ in }, configure: (inout HostConfiguration) -> Void = { _ in }
    ) async throws -> ServerFixture {
        let directory = reusing
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("connector-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        try await prepare(directory)
        var host = HostConfiguration(pluginDirectory: directory.appendingPathComponent("plugins").path)
        var generous = ResilienceOverrides()
        generous.rateLimitPerMinute = 100_000
        host.resilience = generous
        // The SDK tests keep the tracker's databases here.
        host.sandbox.dataDirectory = directory.path
        configure(&host)
        var configuration = ServerConfiguration(host: host)
        configuration.database = directory.appendingPathComponent("registry.sqlite").path
        configuration.pluginStore = directory.appendingPathComponent("store").path
        configuration.port = 0
        configuration.development = development
        configuration.watch = watch
        configuration.sdkDefaultConnector = sdkDefaultConnector
        configuration.host.buildsDirectory = directory.appendingPathComponent("builds").path
        configuration.adminToken = adminToken
        if let fleet {
            configuration.database = fleet.database
            configuration.connectionKeyPath = fleet.connectionKey.path
            configuration.hostID = fleet.hostID
        }
        let server = try await ConnectorServer.make(configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ServerTestFailure("the server did not start") }
        return ServerFixture(
            directory: directory, server: server, base: URL(string: "http://127.0.0.1:\(port)")!, task: task
        )
    }

    /// Stops the server and its workers.
    func stop() async {
        session.invalidateAndCancel()
        task.cancel()
        _ = await task.result
    }

    struct Answer {
        let status: Int
        let body: Data
        let headers: [String: String]

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One HTTP request.
    func request(
        _ method: String, _ path: String, token: String? = ServerFixture.adminToken, json: Any? = nil,
        body: Data? = nil, contentType: String? = nil, headers: [String: String] = [:]
    ) async throws -> Answer {
        // The path may carry a query string, which appendingPathComponent would escape.
        guard let url = URL(string: "\(base.absoluteString)/\(path)") else { throw ServerTestFailure("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue(token, forHTTPHeaderField: "authToken") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let body { request.httpBody = body }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return Answer(status: http?.statusCode ?? 0, body: data, headers: headers)
    }

    /// Creates an org and returns a token of it.
    func org(_ id: String) async throws -> String {
        _ = try await request("POST", "admin/orgs", json: ["id": id, "name": "Org \(id)"])
        let issued = try await request("POST", "admin/orgs/\(id)/tokens")
        guard let token = issued.json["token"] as? String else { throw ServerTestFailure("no token: \(issued.text)") }
        return token
    }

    /// A multipart/form-data body holding one file and, before it, text fields.
    static func multipart(file name: String, data: Data, fields: [(String, String)] = []) -> (Data, String) {
        let boundary = "boundary-\(UUID().uuidString)"
        var body = Data()
        for (field, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

/// Builds plugins with a registration's identity, as their authors would.
enum PluginBuilder {
    /// The fixture plugin (echoing operations; more with `extraFlags`).
    static func build(
        name: String, registration: [String: Any], version: String = "1.0.0", extraFlags: [String] = [], into path: URL
    ) async throws {
        let identity = Identity(registration)
        try await compile(name: name, [
            "-DFIXTURE_NAME=\"\(name)\"", "-DFIXTURE_VERSION=\"\(version)\"", "-DFIXTURE_KEY=\"\(identity.key)\"",
            "-DFIXTURE_SECRET=\"\(identity.secret)\"", "-DFIXTURE_ENDPOINT=\(identity.endpoint)",
            "-DFIXTURE_START=\(identity.start)", "-DFIXTURE_END=\(identity.end)",
        ] + extraFlags + [
            "-o", path.path,
            ServerFixture.root.appendingPathComponent("Tests/ConnectorHostTests/Fixtures/fixture_plugin.c").path,
        ])
    }

    /// The bundled tracker: a connector that passes the conformance kit.
    static func tracker(name: String, version: String = "1.0.0", registration: [String: Any], into path: URL) async throws {
        let identity = Identity(registration)
        let sources = ServerFixture.root.appendingPathComponent("Plugins/tracker")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasSuffix(".c") }.map { sources.appendingPathComponent($0).path }
        try await compile(name: name, [
            "-DTRACKER_NAME=\"\(name)\"", "-DTRACKER_VERSION=\"\(version)\"", "-DTRACKER_KEY=\"\(identity.key)\"", "-DTRACKER_SECRET=\"\(identity.secret)\"",
            "-DTRACKER_ENDPOINT=\(identity.endpoint)", "-DTRACKER_FIRST_FUNCTION=\(identity.start)",
            "-DTRACKER_LAST_FUNCTION=\(identity.end)", "-o", path.path,
        ] + files + ["-lsqlite3"])
    }

    /// What a registration answer (`POST orgs/{org}/connector`) hands out.
    private struct Identity {
        let key, secret, endpoint, start, end: String

        init(_ registration: [String: Any]) {
            key = registration["key"] as? String ?? ""
            secret = registration["secret"] as? String ?? ""
            endpoint = registration["endpointEntityId"] as? String ?? "0"
            start = registration["functionEntityStartId"] as? String ?? "0"
            end = registration["functionEntityEndId"] as? String ?? "0"
        }
    }

    private static func compile(name: String, _ arguments: [String]) async throws {
        let compiled = try await ChildProcess.run([
            "cc", "-std=c99", "-O1", "-fPIC", "-shared", "-fvisibility=hidden",
            "-I", ServerFixture.root.appendingPathComponent("include").path,
        ] + arguments)
        guard compiled.status == 0 else { throw ServerTestFailure("cc failed for \(name): \(compiled.errorText)") }
    }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
