import CConnectorHostCurl

/// How a declarative connector in a sandbox worker gets its connections: the
/// host's ``EgressProxy`` checks each destination, connects, and hands the
/// connected socket over, instead of relaying every byte through two threads.
struct EgressHandover: Sendable {
    /// The proxy's socket inside the sandbox.
    var proxySocket: String
    /// `host:port` of the hosts the document declares: connections to these
    /// are handed over; any other goes through the proxy the environment names.
    var hosts: [String]

    /// Whether the libcurl this process runs takes a handed-over socket as it
    /// is; without it (libcurl 7.88.0 and 7.88.1 connect such a socket again
    /// and fail) connections go through the proxy, relayed.
    static let isSupported = chc_handover_supported() != 0
}
