/// Where a sandbox worker's way out is, agreed between the host's egress
/// proxy and the worker's forwarder.
package enum SandboxEgress {
    /// Where the host's proxy socket appears inside the sandbox.
    package static let socketInSandbox = "/run/connector-host/egress.sock"
    /// The port the worker's forwarder listens on, in its own network namespace.
    package static let portInSandbox: UInt16 = 3128
}
