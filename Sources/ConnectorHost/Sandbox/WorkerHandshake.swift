/// The first exchange with a new worker: the host's hello (what to load,
/// under which limits), answered by ready (the plugin's description as the
/// worker read it) or by why the plugin failed to load.
enum WorkerHandshake {
    /// Sends the hello and waits for the worker to load the plugin.
    ///
    /// - Returns: The plugin's description as the worker read it.
    /// - Throws: The load failure the worker reported, or `plugin_crashed` when
    ///   the worker died while loading or answered out of protocol (it is killed).
    static func perform(
        _ hello: SandboxProtocol.Hello, with worker: WorkerConnection
    ) async throws(ConnectorHostError) -> SandboxProtocol.Ready {
        let frame = try await worker.firstAnswer(to: Frame(.hello, payload: SandboxProtocol.json(hello)))
        switch frame.kind {
        case .ready:
            do {
                return try SandboxProtocol.decodeReady(frame.payload)
            } catch {
                worker.kill()
                throw ConnectorHostError(.pluginCrashed, "the sandbox worker sent a broken handshake: \(error)")
            }
        case .loadFailed:
            let failure = try? SandboxProtocol.decodeJSON(SandboxProtocol.Failure.self, frame.payload)
            throw failure?.error ?? ConnectorHostError(.abiMismatch, "\(worker.pluginPath): the plugin failed to load")
        default:
            worker.kill()
            throw ConnectorHostError(.pluginCrashed, "the sandbox worker answered the handshake with a \(frame.kind) frame")
        }
    }
}
