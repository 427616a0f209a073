import CConnectorHostSystem

#if canImport(Glibc)
import Glibc
#endif

/// Listening, accepting and connecting stream sockets, and relaying between
/// two, handing a socket over: what the egress proxy and its in-sandbox forwarder are made of.
extension Descriptors {
    /// Listens on a Unix socket at `path` (mode 0600).
    package static func listenUnix(_ path: String) throws(ConnectorHostError) -> Int32 {
        try checked("listen on \(path)", CConnectorHostSystem_listen_unix(path))
    }

    /// Connects to the Unix socket at `path`.
    package static func connectUnix(_ path: String) throws(ConnectorHostError) -> Int32 {
        try checked("connect to \(path)", CConnectorHostSystem_connect_unix(path))
    }

    /// Listens on 127.0.0.1:`port`.
    package static func listenLoopback(port: UInt16) throws(ConnectorHostError) -> Int32 {
        try checked("listen on 127.0.0.1:\(port)", CConnectorHostSystem_listen_loopback(port))
    }

    /// Waits for the next connection; nil once the socket is shut down or closed.
    package static func accept(_ listener: Int32) -> Int32? {
        let accepted = CConnectorHostSystem_accept(listener)
        return accepted >= 0 ? accepted : nil
    }

    /// Resolves `host` and connects to `port` on the first address that answers.
    package static func connectTCP(host: String, port: UInt16) throws(ConnectorHostError) -> Int32 {
        try checked("connect to \(host):\(port)", CConnectorHostSystem_connect_tcp(host, String(port)))
    }

    /// Copies bytes both ways until both directions have ended; closes neither.
    package static func relay(_ first: Int32, _ second: Int32) {
        CConnectorHostSystem_relay(first, second)
    }

    /// Sends `bytes` on the Unix socket `socket` with `descriptor` attached:
    /// the process at the other end receives its own copy of it.
    package static func sendDescriptor(_ descriptor: Int32, with bytes: [UInt8], on socket: Int32) -> Bool {
        bytes.withUnsafeBytes { CConnectorHostSystem_send_descriptor(socket, descriptor, $0.baseAddress, UInt($0.count)) } == 0
    }

    /// Wakes a thread blocked in ``accept(_:)`` on `listener`: it returns nil.
    package static func shutdownListener(_ listener: Int32) {
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
    }

    private static func checked(_ what: String, _ result: Int32) throws(ConnectorHostError) -> Int32 {
        guard result >= 0 else {
            throw ConnectorHostError(.unavailable, "cannot \(what): \(String(cString: strerror(-result)))")
        }
        return result
    }
}
