import Foundation
import Logging
import Synchronization

/// The one way out of a sandbox worker's network namespace: an HTTP proxy in
/// the host that admits only the hosts and ports the plugin's configuration
/// declares (``SandboxSettings/allowedHosts``).
///
/// It listens on a Unix socket in a directory of its own (mode 0700), which
/// bubblewrap binds into the worker's view at ``socketInSandbox``; inside, the
/// worker's ``EgressForwarder`` listens on 127.0.0.1:``portInSandbox`` and
/// hands every connection to it, and `HTTPS_PROXY`/`HTTP_PROXY` (and the
/// lower-case forms) name that port, which libcurl and most clients honour.
///
/// It understands `CONNECT host:port` (a tunnel, for TLS), requests with an
/// absolute `http://host[:port]/…` target (forwarded in origin form), and
/// `HANDOVER host:port`: the proxy connects and, instead of relaying, hands
/// the connected socket to the worker (`SCM_RIGHTS`) with a `200` and closes.
/// A declarative connector's libcurl asks for that (`HTTPConnectionPool`),
/// so its requests and answers cross no relay thread; the socket is connected
/// to the one checked destination, and a connected TCP socket cannot be
/// pointed anywhere else. Anything
/// else, and any target not declared, is answered `403` (`400` when it cannot
/// be read) and logged. The name is resolved here, in the host, after the
/// check: a plugin cannot reach an address through a name it was not given.
/// A connection goes to one target: later requests on it go to the same one.
package final class EgressProxy: Sendable {
    /// The socket's path on the host.
    package let socketPath: String
    private let directory: String
    private let listener: Int32
    /// `host:port`, lower-cased.
    private let allowed: Set<String>
    private let logger: Logger
    private let closed = Atomic<Bool>(false)
    /// Connections being served: each holds a thread of the host's.
    private let connections = Atomic<Int>(0)
    /// At most this many at once: a plugin opening connections without end
    /// must not make the host start threads without end.
    package static let connectionLimit = 64

    /// Starts listening and accepting.
    ///
    /// - Parameters:
    ///   - allowedHosts: `host:port` pairs the plugin may reach.
    ///   - logger: Where refusals are logged.
    /// - Throws: `unavailable` when the socket cannot be made.
    package init(allowedHosts: [String], logger: Logger) throws(ConnectorHostError) {
        allowed = Set(allowedHosts.map { $0.lowercased() })
        self.logger = logger
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("connector-host-egress-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw ConnectorHostError(.unavailable, "cannot create the egress proxy's directory \(directory): \(error)")
        }
        self.directory = directory
        socketPath = directory + "/egress.sock"
        do {
            listener = try Descriptors.listenUnix(socketPath)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        let thread = Thread { [self] in acceptConnections() }
        thread.name = "connector-host-egress-proxy"
        thread.start()
    }

    /// Stops accepting and removes the socket; tunnels already open end with
    /// the worker that holds them.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Descriptors.shutdownListener(listener)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func acceptConnections() {
        while let connection = Descriptors.accept(listener) {
            guard connections.add(1, ordering: .relaxed).newValue <= Self.connectionLimit else {
                connections.subtract(1, ordering: .relaxed)
                logger.warning("egress refused: too many connections", metadata: ["limit": "\(Self.connectionLimit)"])
                Descriptors.close(connection)
                continue
            }
            let thread = Thread { [self] in
                serve(connection)
                connections.subtract(1, ordering: .relaxed)
            }
            thread.name = "connector-host-egress"
            thread.start()
        }
        Descriptors.close(listener)
    }

    /// The largest request head read before refusing.
    private static let headLimit = 16 << 10

    private func serve(_ client: Int32) {
        defer { Descriptors.close(client) }
        guard let (head, rest) = Self.readHead(client) else {
            return answer(client, 400, "the proxy request could not be read")
        }
        let request: Request
        switch Request.parse(head) {
        case .request(let parsed):
            request = parsed
        case .unreadable(let reason):
            logger.warning("egress refused", metadata: ["reason": "\(reason)"])
            return answer(client, 400, reason)
        }
        guard allowed.contains(request.target) else {
            logger.warning("egress refused: not a declared host", metadata: ["target": "\(request.target)"])
            return answer(
                client, 403, "\(request.target) is not among the hosts this plugin's configuration declares"
            )
        }
        let upstream: Int32
        do {
            upstream = try Descriptors.connectTCP(host: request.host, port: request.port)
        } catch {
            logger.notice("egress failed", metadata: ["target": "\(request.target)", "reason": "\(error.message)"])
            return answer(client, 502, error.message)
        }
        defer { Descriptors.close(upstream) }
        if request.isHandover {
            logger.debug("egress handed over", metadata: ["target": "\(request.target)"])
            _ = Descriptors.sendDescriptor(
                upstream, with: Array("HTTP/1.1 200 Connection handed over\r\nContent-Length: 0\r\n\r\n".utf8), on: client
            )
            return
        }
        logger.debug("egress", metadata: ["target": "\(request.target)"])
        let opening = request.isTunnel ? Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8) : []
        let forwarded = request.isTunnel ? rest : request.originFormHead + rest
        guard Self.send(client, opening), Self.send(upstream, forwarded) else { return }
        Descriptors.relay(client, upstream)
    }

    private func answer(_ client: Int32, _ status: Int, _ message: String) {
        let phrase = [400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"][status] ?? "Error"
        let body = message + "\n"
        _ = Self.send(client, Array(
            "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                .utf8
        ))
    }

    private static func send(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Descriptors.sendAll(descriptor, $0) }
    }

    /// The request head up to its blank line, and what came after it.
    private static func readHead(_ client: Int32) -> (head: [UInt8], rest: [UInt8])? {
        var received: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while received.count < headLimit {
            let count = Descriptors.readSome(client, into: buffer)
            if count == 0 { return nil }
            let searchFrom = max(0, received.count - 3)
            received += buffer[0..<count]
            if let at = received[searchFrom...].firstRange(of: end) {
                return (Array(received[..<at.upperBound]), Array(received[at.upperBound...]))
            }
        }
        return nil
    }

    /// A request head, read.
    enum Parsed: Equatable {
        case request(Request)
        /// Why it cannot be served.
        case unreadable(String)
    }

    /// A proxy request: where it goes, and how.
    struct Request: Equatable {
        var host: String
        var port: UInt16
        /// `CONNECT`: a tunnel; otherwise a plain HTTP request with an absolute target.
        var isTunnel: Bool
        /// The request head to send on, with the target in origin form.
        var originFormHead: [UInt8]
        /// `HANDOVER`: the connected socket goes to the worker; nothing is relayed.
        var isHandover = false

        /// `host:port` as declared hosts are written, lower-cased; an IPv6 address in brackets.
        var target: String { host.contains(":") ? "[\(host.lowercased())]:\(port)" : "\(host.lowercased()):\(port)" }

        static func parse(_ head: [UInt8]) -> Parsed {
            let text = String(decoding: head, as: UTF8.self)
            guard let lineEnd = text.range(of: "\r\n") else { return .unreadable("no request line") }
            let parts = text[..<lineEnd.lowerBound].split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return .unreadable("a malformed request line") }
            let (method, target, version) = (String(parts[0]), String(parts[1]), String(parts[2]))
            if method == "CONNECT" {
                guard let (host, port) = authority(target, defaultPort: nil) else {
                    return .unreadable("CONNECT needs host:port, not \(target)")
                }
                return .request(Request(host: host, port: port, isTunnel: true, originFormHead: []))
            }
            if method == "HANDOVER" {
                guard let (host, port) = authority(target, defaultPort: nil) else {
                    return .unreadable("HANDOVER needs host:port, not \(target)")
                }
                return .request(Request(host: host, port: port, isTunnel: false, originFormHead: [], isHandover: true))
            }
            guard target.lowercased().hasPrefix("http://") else {
                return .unreadable("only CONNECT, HANDOVER and absolute http:// targets go through this proxy, not \(method) \(target)")
            }
            let afterScheme = target.dropFirst("http://".count)
            let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            guard let (host, port) = authority(String(afterScheme[..<slash]), defaultPort: 80) else {
                return .unreadable("\(target) names no host")
            }
            let path = slash == afterScheme.endIndex ? "/" : String(afterScheme[slash...])
            let rewritten = "\(method) \(path) \(version)" + text[lineEnd.lowerBound...]
            return .request(Request(host: host, port: port, isTunnel: false, originFormHead: Array(rewritten.utf8)))
        }

        /// `host:port` (or `[v6]:port`); the port may be left out only when there is a default.
        private static func authority(_ text: String, defaultPort: UInt16?) -> (String, UInt16)? {
            // No credentials in the authority: `user@host` would be read differently by other parsers.
            guard !text.contains("@") else { return nil }
            var host = text
            var port = defaultPort
            if let colon = text.lastIndex(of: ":"), !text[colon...].contains("]") {
                host = String(text[..<colon])
                guard let value = UInt16(text[text.index(after: colon)...]), value > 0 else { return nil }
                port = value
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, let port else { return nil }
            return (host, port)
        }
    }
}
