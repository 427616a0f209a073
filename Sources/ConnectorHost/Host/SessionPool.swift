import Synchronization

/// The sessions of one plugin, one per credential set: opened on first use,
/// shared by every caller with the same credentials, forgotten when the plugin
/// says a session is no longer valid (the next call opens a new one).
package final class SessionPool: Sendable {
    /// A session and what `session.open` answered for it: the settings the
    /// caller passes back on later calls.
    struct Opened: Sendable {
        let id: SessionID
        let response: [UInt8]
    }

    package init() {}

    private let opening = Mutex<[[SessionSetting]: Task<Opened, any Error>]>([:])

    /// The session for `credentials`, opening one with `open` if there is none.
    /// Callers arriving while it opens wait for the same session.
    func session(
        for credentials: [SessionSetting], open: @escaping @Sendable () async throws(ConnectorHostError) -> Opened
    ) async throws(ConnectorHostError) -> Opened {
        let task = opening.withLock { sessions in
            if let task = sessions[credentials] { return task }
            let task = Task { () async throws -> Opened in try await open() }
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

    /// Takes the session of `credentials` out of the pool, for the caller to
    /// close; nil when none is open.
    func remove(for credentials: [SessionSetting]) async -> Opened? {
        guard let task = opening.withLock({ $0.removeValue(forKey: credentials) }) else { return nil }
        return try? await task.value
    }

    /// Forgets every session, without closing any: the worker they lived in
    /// has stopped, and the next call opens a new one.
    func forgetAll() {
        opening.withLock { $0.removeAll() }
    }

    /// Forgets a session the plugin no longer accepts.
    func discard(_ session: SessionID, for credentials: [SessionSetting]) async {
        let task = opening.withLock { $0[credentials] }
        guard let task, (try? await task.value)?.id == session else { return }
        opening.withLock { sessions in
            if sessions[credentials] == task { sessions[credentials] = nil }
        }
    }
}
