// The peers a user would pick instead of a sandboxed plugin, measured in the
// same run with the same payload: (e) a gRPC unary echo over a Unix socket
// (hashicorp/go-plugin's model) and (f) an HTTP/1.1 keep-alive echo against
// nginx on loopback (each connector an HTTP service of its own), driven by wrk.
import ConnectorHost
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One peer measured with one caller, then with 16.
struct PeerMeasurement {
    var single: Measurement
    var concurrentCallsPerSecond: Double
}

/// (e): `Benchmarks/grpc_echo.cc`, one caller then 16 threads.
func measureGRPC(_ program: String) throws -> PeerMeasurement {
    let single = try measureProgram(
        program, [String(max(100, 20_000 / scale)), String(payload.count), "1"], as: "(e) gRPC unary echo, Unix socket"
    )
    let sixteen = try measureProgram(
        program, [String(max(160, 40_000 / scale)), String(payload.count), "16"], as: "(e16) gRPC, 16 callers"
    )
    return PeerMeasurement(single: single, concurrentCallsPerSecond: sixteen.callsPerSecond)
}

/// (f): nginx answering every POST of the payload with a body of the same
/// size, on a kept-alive connection, timed by wrk with one connection, then 16.
func measureNginx(nginx: String, wrk: String, directory: String) throws -> PeerMeasurement {
    let root = URL(fileURLWithPath: directory).appendingPathComponent("nginx")
    try? FileManager.default.removeItem(at: root)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let port = try freeLoopbackPort()
    // nginx's `return` takes a quoted string: the payload is JSON of 'x's, so no quote needs escaping.
    let answer = String(decoding: payload, as: UTF8.self)
    try Data("""
        daemon off;
        worker_processes 1;
        pid \(root.path)/nginx.pid;
        error_log \(root.path)/error.log;
        events { worker_connections 256; }
        http {
            access_log off;
            client_body_temp_path \(root.path)/body;
            proxy_temp_path \(root.path)/proxy;
            fastcgi_temp_path \(root.path)/fastcgi;
            uwsgi_temp_path \(root.path)/uwsgi;
            scgi_temp_path \(root.path)/scgi;
            keepalive_requests 100000000;
            server {
                listen 127.0.0.1:\(port);
                location / { default_type application/json; return 200 '\(answer)'; }
            }
        }
        """.utf8).write(to: root.appendingPathComponent("nginx.conf"))
    try Data("wrk.method = \"POST\"\nwrk.body = '\(answer)'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n".utf8)
        .write(to: root.appendingPathComponent("post.lua"))
    let server = Process()
    server.executableURL = URL(fileURLWithPath: nginx)
    server.arguments = ["-p", root.path, "-c", root.appendingPathComponent("nginx.conf").path, "-e", root.appendingPathComponent("error.log").path]
    try server.run()
    defer {
        server.terminate()
        server.waitUntilExit()
    }
    try waitForListener(port: port)
    let url = "http://127.0.0.1:\(port)/"
    let script = root.appendingPathComponent("post.lua").path
    let seconds = String(max(2, 10 / scale))
    let single = try runWrk(wrk, ["-t1", "-c1", "-d\(seconds)s", "--latency", "-s", script, url], as: "(f) nginx keep-alive echo, wrk")
    let sixteen = try runWrk(wrk, ["-t2", "-c16", "-d\(seconds)s", "--latency", "-s", script, url], as: "(f16) nginx, 16 connections")
    return PeerMeasurement(single: single, concurrentCallsPerSecond: sixteen.callsPerSecond)
}

/// A loopback port nothing listens on now (the kernel's choice for port 0).
func freeLoopbackPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw ConnectorHostError(.unavailable, "socket failed: \(errno)") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw ConnectorHostError(.unavailable, "bind failed: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits (up to 10 s) until something accepts connections on the loopback port.
func waitForListener(port: Int) throws {
    for _ in 0..<1000 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(socket)
        if connected { return }
        usleep(10_000)
    }
    throw ConnectorHostError(.unavailable, "nothing listens on 127.0.0.1:\(port) after 10 s")
}
