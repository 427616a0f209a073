import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import SharedTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server over a temporary registry and plugin directory, called over real
/// HTTP on a free loopback port — or, for what needs no socket, through
/// Hummingbird's router test client.
final class ServerFixture: Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let adminToken = "test-admin-token"
    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// How requests reach the server.
    enum Transport {
        /// HTTP on a loopback port: the whole server, as a client sees it.
        case socket
        /// The router, with the host running behind it, and no socket:
        /// Hummingbird's testing framework (`.router`).
        case router
    }

    let directory: URL
    let server: ConnectorServer
    /// The loopback address; nil over the router.
    let address: URL?
    private let task: Task<Void, any Error>
    private let client: (any TestClientProtocol)?
    /// Ends a router fixture's test client (its `test(.router)` closure).
    private let stopClient: AsyncStream<Never>.Continuation?
    /// This server's own connections: a port may go to another server once
    /// this one stops, and no connection to this one may be reused for it.
    private let session = URLSession(configuration: .ephemeral)

    private init(
        directory: URL, server: ConnectorServer, address: URL?, task: Task<Void, any Error>,
        client: (any TestClientProtocol)? = nil, stopClient: AsyncStream<Never>.Continuation? = nil
    ) {
        self.directory = directory
        self.server = server
        self.address = address
        self.task = task
        self.client = client
        self.stopClient = stopClient
    }

    /// The loopback address, for the tests that need a socket.
    var base: URL {
        get throws {
            guard let address else { throw ServerTestFailure("this server is called through its router: it has no socket") }
            return address
        }
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
    ///   - transport: A socket, or the router alone.
    static func start(
        over transport: Transport = .socket,
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
        switch transport {
        case .socket:
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let task = Task { try await server.run { port in continuation.yield(port) } }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), let address = URL(string: "http://127.0.0.1:\(port)") else {
                throw ServerTestFailure("the server did not start")
            }
            return ServerFixture(directory: directory, server: server, address: address, task: task)
        case .router:
            let (clients, clientReady) = AsyncStream.makeStream(of: (any TestClientProtocol).self)
            let (stopped, stopClient) = AsyncStream.makeStream(of: Never.self)
            let application = Application(router: server.router(), logger: logger)
            let task = Task {
                try await server.host.whileRunning {
                    try await application.test(.router) { client in
                        clientReady.yield(client)
                        for await _ in stopped {}
                    }
                }
            }
            var iterator = clients.makeAsyncIterator()
            guard let client = await iterator.next() else { throw ServerTestFailure("the router's test client did not start") }
            return ServerFixture(
                directory: directory, server: server, address: nil, task: task, client: client, stopClient: stopClient
            )
        }
    }

    /// Stops the server and its workers.
    func stop() async {
        session.invalidateAndCancel()
        stopClient?.finish()
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
        var body = body
        if let json { body = try JSONSerialization.data(withJSONObject: json) }
        var headers = headers
        if let token { headers["authToken"] = token }
        if json != nil { headers["Content-Type"] = "application/json" }
        if let contentType { headers["Content-Type"] = contentType }
        if let client { return try await Self.request(method, path, body: body, headers: headers, through: client) }
        // The path may carry a query string, which appendingPathComponent would escape.
        guard let url = URL(string: "\(try base.absoluteString)/\(path)") else { throw ServerTestFailure("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var answerHeaders: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String, let value = value as? String { answerHeaders[key.lowercased()] = value }
        }
        return Answer(status: http?.statusCode ?? 0, body: data, headers: answerHeaders)
    }

    /// One request through the router's test client.
    private static func request(
        _ method: String, _ path: String, body: Data?, headers: [String: String], through client: any TestClientProtocol
    ) async throws -> Answer {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let field = HTTPField.Name(name) else { throw ServerTestFailure("bad header name \(name)") }
            fields[field] = value
        }
        let response = try await client.executeRequest(
            uri: "/\(path)", method: HTTPRequest.Method(rawValue: method) ?? .get, headers: fields,
            body: body.map { ByteBuffer(bytes: $0) }
        )
        var answerHeaders: [String: String] = [:]
        for field in response.headers { answerHeaders[field.name.canonicalName] = field.value }
        return Answer(status: response.status.code, body: Data(buffer: response.body), headers: answerHeaders)
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
