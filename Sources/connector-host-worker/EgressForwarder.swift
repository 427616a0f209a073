import ConnectorHostRuntime
import Foundation

/// Inside a sandbox worker whose plugin declares hosts: a listener on
/// 127.0.0.1:``EgressProxy/portInSandbox`` in the worker's own network
/// namespace, handing every connection to the host's ``EgressProxy`` through
/// the Unix socket bound into the sandbox. Started before the plugin loads.
/// It enforces nothing (the plugin could reach the socket itself): the proxy does.
package enum EgressForwarder {
    /// Starts listening and forwarding.
    ///
    /// - Parameter proxySocket: The proxy's socket inside the sandbox.
    /// - Throws: `unavailable` when the port cannot be bound.
    package static func start(proxySocket: String) throws(ConnectorHostError) {
        let listener = try Descriptors.listenLoopback(port: SandboxEgress.portInSandbox)
        let thread = Thread {
            while let client = Descriptors.accept(listener) {
                let relay = Thread {
                    defer { Descriptors.close(client) }
                    guard let proxy = try? Descriptors.connectUnix(proxySocket) else { return }
                    defer { Descriptors.close(proxy) }
                    Descriptors.relay(client, proxy)
                }
                relay.name = "egress-forward"
                relay.start()
            }
        }
        thread.name = "egress-listen"
        thread.start()
    }
}
