import Synchronization

/// The sessions of one plugin, one per credential set: opened on first use,
/// shared by every caller with the same credentials, forgotten when the plugin
/// says a session is no longer valid (the next call opens a new one).
final class SessionPool: Sendable {
    private let opening = Mutex<[[SessionSetting]: Task<SessionID, any Error>]>([:])

    /// The session for `credentials`, opening one with `open` if there is none.
    /// Callers arriving while it opens wait for the same session.
    func session(
        for credentials: [SessionSetting], open: @escaping @Sendable () async throws(ConnectorHostError) -> SessionID
    ) async throws(ConnectorHostError) -> SessionID {
        let task = opening.withLock { sessions in
            if let task = sessions[credentials] { return task }
            let task = Task { () async throws -> SessionID in try await open() }
            sessions[credentials] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            // A failed open is not kept: the next call tries again.
            opening.withLock { sessions in
                if sessions[credentials] == task { sessions[credentials] = nil }
            }
            throw (error as? ConnectorHostError) ?? ConnectorHostError(.unavailable, "the session could not be opened: \(error)")
        }
    }

    /// Forgets a session the plugin no longer accepts.
    func discard(_ session: SessionID, for credentials: [SessionSetting]) async {
        let task = opening.withLock { $0[credentials] }
        guard let task, (try? await task.value) == session else { return }
        opening.withLock { sessions in
            if sessions[credentials] == task { sessions[credentials] = nil }
        }
    }
}
