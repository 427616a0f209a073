import CConnectorHostSystem

/// What a host process can do to itself against its own workers. Nothing here
/// happens unless called: a library must not change its embedder's process.
public enum ProcessHardening {
    /// Marks this process non-dumpable: no core dump, and no other process of
    /// the same user may ptrace it or read its memory through `/proc` — a
    /// second wall behind the workers' own namespaces and seccomp filter.
    /// `connector-host serve` calls it at start.
    ///
    /// - Throws: `unavailable` when the kernel refuses.
    public static func makeNonDumpable() throws(ConnectorHostError) {
        let result = CConnectorHostSystem_make_undumpable()
        guard result == 0 else {
            throw ConnectorHostError(.unavailable, "prctl(PR_SET_DUMPABLE) failed: errno \(result)")
        }
    }
}
