import ConnectorHostABI
import Synchronization

/// Runs a trusted plugin's calls in this process, on the calling thread: no
/// process boundary, the same interface and policy as the sandbox.
///
/// A plugin call cannot be interrupted here: a call that overruns its time
/// limit is told so through `is_cancelled`/`time_remaining_ns` and reported by
/// the policy when it returns. Only the sandbox can cut off a hung plugin.
package final class InProcessRuntime: PluginRuntime {
    private let image: any LoadedPlugin
    private let name: String
    private let sessions = Mutex<[SessionID: SessionSlot]>([:])
    private let isShutDown = Atomic<Bool>(false)
    /// One permit per call the plugin takes at once; nil for no limit.
    private let admission: AsyncSemaphore?

    package var description: PluginDescription { image.description }

    package var isInterruptible: Bool { false }

    package var report: RuntimeReport {
        RuntimeReport(
            kind: "in-process", phase: isShutDown.load(ordering: .acquiring) ? .shutDown : .running(pid: nil),
            isolation: "none: trusted, runs in the host's process"
        )
    }

    /// Nothing to restart: the plugin lives as long as the host.
    package func restart() async throws(ConnectorHostError) {}

    private let shutdownSignal: ShutdownSignal?

    /// - Parameters:
    ///   - image: The loaded plugin.
    ///   - shutdown: The host's signal; once raised, `is_cancelled` answers yes.
    package init(image: any LoadedPlugin, shutdown: ShutdownSignal? = nil) {
        self.image = image
        shutdownSignal = shutdown
        name = image.description.manifest.name
        admission = image.description.maxConcurrency.map { AsyncSemaphore(permits: $0) }
    }

    nonisolated(nonsending) package func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], timeLimit: Duration?
    ) async throws(ConnectorHostError) -> PluginReply {
        guard !isShutDown.load(ordering: .acquiring) else {
            throw ConnectorHostError(.unavailable, "\(name) is shut down")
        }
        let context = PluginCallContext(timeLimit: timeLimit, shutdown: shutdownSignal)
        guard let admission else {
            return try invokeSynchronously(operation, session: session, body: body, context: context)
        }
        return try await admission.withPermit { () throws(ConnectorHostError) -> PluginReply in
            try invokeSynchronously(operation, session: session, body: body, context: context)
        }
    }

    nonisolated(nonsending) package func invokeCustom(
        _ request: CustomFunctionRequest, timeLimit: Duration?
    ) async throws(ConnectorHostError) -> CustomReply {
        guard !isShutDown.load(ordering: .acquiring) else {
            throw ConnectorHostError(.unavailable, "\(name) is shut down")
        }
        let context = PluginCallContext(timeLimit: timeLimit, shutdown: shutdownSignal)
        guard let admission else { return try invokeCustomSynchronously(request, context: context) }
        return try await admission.withPermit { () throws(ConnectorHostError) -> CustomReply in
            try invokeCustomSynchronously(request, context: context)
        }
    }

    /// Calls a custom function on this thread, without admission control (see
    /// ``invokeSynchronously(_:session:body:context:)``).
    package func invokeCustomSynchronously(
        _ request: CustomFunctionRequest, context: PluginCallContext
    ) throws(ConnectorHostError) -> CustomReply {
        guard let session = request.session else {
            return try image.invokeCustom(request.function, arguments: request.arguments, context: nil)
        }
        // As for a standard operation: an unknown session is an invalid one.
        guard let slot = openSlot(session) else {
            throw ConnectorHostError(.unauthorized, "\(name) \(request.function): \(session) is not open; open a new session")
        }
        return try withExtendedLifetime(slot) { () throws(ConnectorHostError) -> CustomReply in
            try image.invokeCustom(
                request.function, arguments: request.arguments,
                context: CustomFunctionCall.Context(session: slot.pointer, settings: request.settings, call: context)
            )
        }
    }

    /// Calls the plugin on this thread, without admission control: for the
    /// sandbox worker, whose thread pool already bounds concurrency.
    package func invokeSynchronously(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], context: PluginCallContext
    ) throws(ConnectorHostError) -> PluginReply {
        switch operation {
        case .sessionOpen:
            guard let session else {
                throw ConnectorHostError(.invalidRequest, "session.open needs the ID of the session to open")
            }
            return try open(session, body: body, context: context)
        case .sessionClose:
            guard let session, let slot = sessions.withLock({ open in
                open[session]?.openReply == nil ? nil : open.removeValue(forKey: session)
            }) else {
                throw ConnectorHostError(.notFound, "\(name): \(session.map(String.init(describing:)) ?? "no session") is not open")
            }
            return try image.invoke(operation, session: slot.pointer, body: body, context: context)
        default:
            guard operation.needsSession || session != nil else {
                return try image.invoke(operation, session: nil, body: body, context: context)
            }
            guard let session else {
                throw ConnectorHostError(.invalidRequest, "\(name) \(operation.rawValue) needs a session; open one with session.open first")
            }
            // An unknown session is an invalid one (closed, or lost when a sandbox
            // worker restarted): the caller opens a new session, as after a 401.
            guard let slot = openSlot(session) else {
                throw ConnectorHostError(
                    .unauthorized, "\(name) \(operation.rawValue): \(session) is not open; open a new session"
                )
            }
            // The slot stays alive until this call returns, even if the session
            // is closed meanwhile.
            return try withExtendedLifetime(slot) { () throws(ConnectorHostError) -> PluginReply in
                try image.invoke(operation, session: slot.pointer, body: body, context: context)
            }
        }
    }

    /// The slot of a session that is open (its open has answered).
    private func openSlot(_ session: SessionID) -> SessionSlot? {
        sessions.withLock { open in
            open[session].flatMap { $0.openReply == nil ? nil : $0 }
        }
    }

    /// Opens a session once, however often its open is retried: an attempt
    /// the host gave up on (it timed out) may still have opened the session
    /// here, and the retry, which carries the same ID, is answered as that
    /// attempt was, rather than opening a second session in the plugin.
    private func open(
        _ session: SessionID, body: [UInt8], context: PluginCallContext
    ) throws(ConnectorHostError) -> PluginReply {
        let slot = SessionSlot(id: session)
        let earlier = sessions.withLock { open -> SessionSlot? in
            guard let earlier = open[session] else {
                open[session] = slot
                return nil
            }
            return earlier
        }
        if let earlier {
            // A transient answer is retried after a backoff, by when the earlier attempt has ended.
            return sessions.withLock { _ in earlier.openReply }
                ?? PluginReply(status: .transient, body: [], message: "\(name): \(session) is still opening")
        }
        let reply: PluginReply
        do {
            reply = try image.invoke(.sessionOpen, session: slot.pointer, body: body, context: context)
        } catch {
            sessions.withLock { open in
                if open[session] === slot { open[session] = nil }
            }
            throw error
        }
        sessions.withLock { open in
            if reply.status == .ok {
                slot.openReply = reply
            } else if open[session] === slot {
                open[session] = nil
            }
        }
        return reply
    }

    package func shutdown() async {
        let first = !isShutDown.exchange(true, ordering: .acquiringAndReleasing)
        closeAllSessions()
        if first { image.release() }
    }

    /// In process a crash takes the host down: there is no quarantine.
    package func quarantine(because reason: String) {}

    /// In process, the shutdown signal is what `is_cancelled` reads.
    package func cancelRunningCalls() {}

    /// A call in this process cannot be cut off: it runs to its end.
    package func failRunningCalls(with error: ConnectorHostError) {}

    /// Refuses further calls and closes every open session.
    package func closeAllSessions() {
        isShutDown.store(true, ordering: .releasing)
        let open = sessions.withLock { sessions in
            defer { sessions.removeAll() }
            return sessions.values.filter { $0.openReply != nil }
        }
        for slot in open {
            _ = try? image.invoke(.sessionClose, session: slot.pointer, body: [], context: PluginCallContext(timeLimit: nil))
        }
    }
}

/// The `ch_session` the host owns for one open session; freed when the last
/// call using it has returned.
private final class SessionSlot: @unchecked Sendable {
    // The plugin writes `state` during session.open; the host never touches it.
    let pointer: UnsafeMutablePointer<ch_session>
    /// What session.open answered; nil while it runs. Read and written under
    /// the runtime's lock of its sessions.
    var openReply: PluginReply?

    init(id: SessionID) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: ch_session(
            struct_size: UInt32(MemoryLayout<ch_session>.size), reserved: 0, id: id.rawValue, state: nil
        ))
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
