@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A plugin that declares the hosts it talks to reaches them, and only them,
/// through the host's egress proxy; its own network namespace has no other way out.
@Suite(.timeLimit(.minutes(2))) struct EgressProxyTests {
    /// A one-answer-per-connection HTTP server on the host's loopback.
    final class TestServer: Sendable {
        let listener: Listener

        init(answer: String) throws {
            let listener = try Listener()
            self.listener = listener
            let thread = Thread {
                while let client = Descriptors.accept(listener.descriptor) {
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
                    _ = Descriptors.readSome(client, into: buffer)
                    buffer.deallocate()
                    let reply = Array("HTTP/1.0 200 OK\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)".utf8)
                    _ = reply.withUnsafeBytes { Descriptors.sendAll(client, $0) }
                    Descriptors.close(client)
                }
                listener.close()
            }
            thread.start()
        }

        var port: UInt16 { listener.port }

        func close() {
            Descriptors.shutdownListener(listener.descriptor)
        }
    }

    /// An HTTP/1.1 server that answers every request on a connection and keeps
    /// it open, counting the connections it accepted.
    final class KeepAliveServer: Sendable {
        let listener: Listener
        let connections = Atomic<Int>(0)

        init(answer: String) throws {
            let listener = try Listener()
            self.listener = listener
            let reply = Array(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)".utf8
            )
            let thread = Thread { [self] in
                while let client = Descriptors.accept(listener.descriptor) {
                    connections.add(1, ordering: .relaxed)
                    let serving = Thread {
                        defer { Descriptors.close(client) }
                        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
                        defer { buffer.deallocate() }
                        var received: [UInt8] = []
                        let end = Array("\r\n\r\n".utf8)
                        while true {
                            let count = Descriptors.readSome(client, into: buffer)
                            if count == 0 { return }
                            received += buffer[0..<count]
                            while let head = received.firstRange(of: end) {
                                received.removeSubrange(..<head.upperBound)
                                guard reply.withUnsafeBytes({ Descriptors.sendAll(client, $0) }) else { return }
                            }
                        }
                    }
                    serving.start()
                }
                listener.close()
            }
            thread.start()
        }

        var port: UInt16 { listener.port }

        func close() {
            Descriptors.shutdownListener(listener.descriptor)
        }
    }

    /// A plugin that speaks to the proxy's socket itself, as a hostile one
    /// would: it gets a connected socket for a declared host, and for an
    /// undeclared one a 403 and no socket; its own namespace has no way out.
    @Test func theProxyHandsOverASocketForADeclaredHostOnly() async throws {
        let declared = try TestServer(answer: "hello-through-a-handed-socket")
        let undeclared = try TestServer(answer: "must-not-be-seen")
        defer {
            declared.close()
            undeclared.close()
        }
        let fixture = try await SandboxIsolationTests.Fixture.make("hostile-egress") { sandbox in
            sandbox.allowedHosts = ["127.0.0.1:\(declared.port)"]
        }
        try fixture.requireFullIsolation()

        let handed = try await fixture.attack(["port": Int(declared.port), "handover": 1])
        #expect(handed["handover"] as? Bool == true, "the proxy's socket is in the sandbox: \(handed)")
        #expect(handed["status"] as? Int == 200, "\(handed)")
        #expect(handed["socket"] as? Bool == true, "\(handed)")
        #expect(handed["body"] as? String == "hello-through-a-handed-socket", "\(handed)")

        let refused = try await fixture.attack(["port": Int(undeclared.port), "handover": 1])
        #expect(refused["status"] as? Int == 403, "\(refused)")
        #expect(refused["socket"] as? Bool == false, "no socket for an undeclared host: \(refused)")
        #expect(refused["body"] as? String == "", "nothing of the undeclared server came through")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    /// A declarative connector in a sandbox gets its connections from the
    /// proxy as handed-over sockets: one for as long as the server keeps it
    /// alive, a fresh one each time the server closes it. With a libcurl that
    /// cannot take a connected socket, the same calls go through the relays.
    @Test func aSandboxedDeclarativeConnectorGetsAFreshSocketOnlyWhenItsConnectionCloses() async throws {
        let keptAlive = try KeepAliveServer(answer: #"{"kept":"alive"}"#)
        let closing = try TestServer(answer: #"{"closed":"after each answer"}"#)
        defer {
            keptAlive.close()
            closing.close()
        }
        let directory = try TestSupport.temporaryDirectory()
        for (name, port) in [("kept", keptAlive.port), ("closing", closing.port)] {
            try Data("""
                name: \(name)
                base_url: http://127.0.0.1:\(port)
                auth_type: none
                operations:
                  - {name: get, method: GET, path: /get}
                """.utf8).write(to: directory.appendingPathComponent("\(name).connector.yaml"))
        }
        let log = CapturedLog()
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: log.logger(level: .debug)
        )
        func count(_ message: String, _ port: UInt16) -> Int {
            log.lines.filter { $0.message == message && $0.metadata["target"] == "127.0.0.1:\(port)" }.count
        }
        let handed = EgressHandover.isSupported
        func handovers(_ port: UInt16) -> Int { count(handed ? "egress handed over" : "egress", port) }
        let kept = try host.connector(named: "kept")
        try await kept.warmUp()
        try #require(kept.status.isolation == "full", "isolation here: \(kept.status.isolation ?? "none")")
        for _ in 0..<5 {
            let answer = try await kept.callFunction(.name("get"), arguments: Array("{}".utf8))
            #expect(answer == .json(["kept": "alive"]))
        }
        #expect(handovers(keptAlive.port) == 1, "one socket, kept alive: \(log.lines)")
        #expect(keptAlive.connections.load(ordering: .relaxed) == 1)

        let closed = try host.connector(named: "closing")
        for _ in 0..<3 {
            let answer = try await closed.callFunction(.name("get"), arguments: Array("{}".utf8))
            #expect(answer == .json(["closed": "after each answer"]))
        }
        #expect(handovers(closing.port) == 3, "a fresh socket after each close: \(log.lines)")
        #expect(count(handed ? "egress" : "egress handed over", closing.port) == 0, "one way or the other, not both")
        await host.shutdown()
    }

    @Test func aDeclaredHostIsReachedThroughTheProxyAndAnUndeclaredOneIsRefused() async throws {
        let declared = try TestServer(answer: "hello-through-the-proxy")
        let undeclared = try TestServer(answer: "must-not-be-seen")
        defer {
            declared.close()
            undeclared.close()
        }
        let fixture = try await SandboxIsolationTests.Fixture.make("hostile-egress") { sandbox in
            sandbox.allowedHosts = ["127.0.0.1:\(declared.port)"]
        }
        try fixture.requireFullIsolation()

        let reached = try await fixture.attack(["port": Int(declared.port)])
        #expect(reached["proxy"] as? Bool == true, "HTTPS_PROXY names the forwarder: \(reached)")
        #expect(reached["status"] as? Int == 200, "\(reached)")
        #expect(reached["body"] as? String == "hello-through-the-proxy", "\(reached)")

        let refused = try await fixture.attack(["port": Int(undeclared.port)])
        #expect(refused["status"] as? Int == 403, "\(refused)")
        #expect(refused["body"] as? String == "", "nothing of the undeclared server came through")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    @Test func withoutDeclaredHostsThereIsNoProxyAndNoNetwork() async throws {
        let server = try TestServer(answer: "unreachable")
        defer { server.close() }
        let fixture = try await SandboxIsolationTests.Fixture.make("hostile-egress")
        try fixture.requireFullIsolation()
        let found = try await fixture.attack(["port": Int(server.port)])
        #expect(found["proxy"] as? Bool == false, "\(found)")
        await fixture.shutDownAndCheckNothingIsLeft()
    }

    /// `--allow-host name=host:port` declares a plugin's hosts from the command line.
    @Test func theCommandLineDeclaresHostsPerPlugin() async throws {
        let server = try TestServer(answer: "hello-from-the-cli")
        defer { server.close() }
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["hostile-egress.so": TestSupport.fixture("hostile-egress")])
        let request = #"{"port":\#(server.port)}"#
        let reached = try await CLI.run([
            "call", "--plugins", directory.path, "hostile-egress", "entity.get", "--request", request,
            "--allow-host", "hostile-egress=127.0.0.1:\(server.port)",
        ])
        #expect(reached.status == 0, "\(reached.standardError)")
        #expect(reached.standardOutput.contains("hello-from-the-cli"), "\(reached.standardOutput)")
        let other = try await CLI.run([
            "call", "--plugins", directory.path, "hostile-egress", "entity.get", "--request", request,
            "--allow-host", "another-plugin=127.0.0.1:\(server.port)",
        ])
        let unreached = try TestSupport.object(Array(other.standardOutput.utf8))
        #expect(unreached["proxy"] as? Bool == false, "another plugin's hosts are not this one's: \(unreached)")
        let malformed = try await CLI.run(["call", "--plugins", directory.path, "hostile-egress", "metadata.get", "--allow-host", "example.com:443"])
        #expect(malformed.status != 0)
        #expect(malformed.standardError.contains("--allow-host takes name=host:port"), "\(malformed.standardError)")
    }

    /// The proxy on its own, as a plugin's client would use it: an absolute
    /// http:// request to a declared host is forwarded in origin form; one to
    /// an undeclared port is answered 403 and logged with its target.
    @Test func theProxyForwardsDeclaredRequestsAndLogsRefusals() throws {
        let declared = try TestServer(answer: "plain-http")
        defer { declared.close() }
        let log = CapturedLog()
        let proxy = try EgressProxy(allowedHosts: ["127.0.0.1:\(declared.port)"], logger: log.logger())
        defer { proxy.close() }

        let forwarded = try exchange(proxy.socketPath, "GET http://127.0.0.1:\(declared.port)/x HTTP/1.0\r\nHost: a\r\n\r\n")
        #expect(forwarded.hasPrefix("HTTP/1.0 200 OK"), "\(forwarded)")
        #expect(forwarded.hasSuffix("plain-http"), "\(forwarded)")

        let undeclared = declared.port == 65535 ? 65534 : declared.port + 1
        let refused = try exchange(proxy.socketPath, "CONNECT 127.0.0.1:\(undeclared) HTTP/1.1\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden"), "\(refused)")
        #expect(log.lines.contains { $0.description.contains("egress refused") && $0.description.contains("127.0.0.1:\(undeclared)") }, "\(log.lines)")
    }

    /// Sends `request` to the proxy's socket and reads the answer to its end.
    private func exchange(_ socket: String, _ request: String) throws -> String {
        let descriptor = try Descriptors.connectUnix(socket)
        defer { Descriptors.close(descriptor) }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { Descriptors.sendAll(descriptor, $0) }
        var answer: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = Descriptors.readSome(descriptor, into: buffer)
            if count == 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func theProxyReadsOnlyConnectAndAbsoluteHTTPTargets() {
        func parse(_ head: String) -> EgressProxy.Parsed { EgressProxy.Request.parse(Array(head.utf8)) }
        #expect(parse("CONNECT Api.Example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
            == .request(.init(host: "Api.Example.com", port: 443, isTunnel: true, originFormHead: [])))
        #expect(parse("HANDOVER api.example.com:443 HTTP/1.1\r\n\r\n")
            == .request(.init(host: "api.example.com", port: 443, isTunnel: false, originFormHead: [], isHandover: true)))
        guard case .request(let plain) = parse("GET http://example.com:8080/a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        else {
            Issue.record("an absolute http:// target is a request")
            return
        }
        #expect(plain.target == "example.com:8080")
        #expect(String(decoding: plain.originFormHead, as: UTF8.self) == "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        guard case .request(let bare) = parse("GET http://example.com HTTP/1.1\r\n\r\n") else {
            Issue.record("a target without a port or path is port 80, path /")
            return
        }
        #expect(bare.target == "example.com:80")
        guard case .request(let v6) = parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n") else {
            Issue.record("an IPv6 address in brackets is a host")
            return
        }
        #expect(v6.host == "::1")
        #expect(v6.target == "[::1]:8443", "declared as written in a URL")
        for refused in [
            "GET /relative HTTP/1.1\r\n\r\n", "CONNECT example.com HTTP/1.1\r\n\r\n",
            "CONNECT user@example.com:443 HTTP/1.1\r\n\r\n", "GET https://example.com/ HTTP/1.1\r\n\r\n",
            "CONNECT example.com:0 HTTP/1.1\r\n\r\n", "HANDOVER example.com HTTP/1.1\r\n\r\n", "garbage\r\n\r\n",
        ] {
            guard case .unreadable = parse(refused) else {
                Issue.record("\(refused.debugDescription) is not a request the proxy serves")
                continue
            }
        }
    }
}
