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

    private let opening = Mutex<[[SessionSetting]: SharedOutcome<Opened>]>([:])

    /// The session for `credentials`, opening one with `open` if there is none.
    /// The first caller opens it, in its own task; callers arriving meanwhile
    /// wait for the same session.
    func session(
        for credentials: [SessionSetting], open: @Sendable () async throws(ConnectorHostError) -> Opened
    ) async throws(ConnectorHostError) -> Opened {
        let (entry, opens) = opening.withLock { sessions -> (SharedOutcome<Opened>, Bool) in
            if let entry = sessions[credentials] { return (entry, false) }
            let entry = SharedOutcome<Opened>()
            sessions[credentials] = entry
            return (entry, true)
        }
        if opens {
            do throws(ConnectorHostError) {
                entry.resolve(.success(try await open()))
            } catch {
                entry.resolve(.failure(error))
            }
        }
        guard let outcome = await Self.outcome(of: entry) else {
            throw ConnectorHostError(.timeout, "the call was abandoned while its session was opening")
        }
        switch outcome {
        case .success(let opened):
            return opened
        case .failure(let error):
            // A failed open is not kept: the next call tries again.
            opening.withLock { sessions in
                if sessions[credentials] === entry { sessions[credentials] = nil }
            }
            throw error
        }
    }

    /// Takes the session of `credentials` out of the pool, for the caller to
    /// close; nil when none is open.
    func remove(for credentials: [SessionSetting]) async -> Opened? {
        guard let entry = opening.withLock({ $0.removeValue(forKey: credentials) }) else { return nil }
        return try? await Self.outcome(of: entry)?.get()
    }

    /// Forgets every session, without closing any: the worker they lived in
    /// has stopped, and the next call opens a new one.
    func forgetAll() {
        opening.withLock { $0.removeAll() }
    }

    /// Forgets a session the plugin no longer accepts.
    func discard(_ session: SessionID, for credentials: [SessionSetting]) async {
        let entry = opening.withLock { $0[credentials] }
        guard let entry, (try? await Self.outcome(of: entry)?.get())?.id == session else { return }
        opening.withLock { sessions in
            if sessions[credentials] === entry { sessions[credentials] = nil }
        }
    }

    /// The opening's outcome: at once when the session is open (every pooled
    /// call asks), else once it is; nil when the caller is cancelled first.
    private static func outcome(of entry: SharedOutcome<Opened>) async -> SharedOutcome<Opened>.Outcome? {
        if let current = entry.current { return current }
        return await entry.outcome()
    }
}
