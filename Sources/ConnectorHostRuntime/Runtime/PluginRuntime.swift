/// Where a plugin's calls run: in this process (trusted plugins) or in a
/// sandbox worker process (the default). The router and the resilience policy
/// only ever see this protocol.
package protocol PluginRuntime: Sendable {
    /// The plugin the runtime serves.
    var description: PluginDescription { get }

    /// Whether the runtime cuts a call off at its time limit itself, failing it
    /// with `timeout` (sandbox). A call in this process cannot be cut off: it
    /// only sees its deadline, and is judged when it returns.
    var isInterruptible: Bool { get }

    /// What the plugin's status shows of the runtime.
    var report: RuntimeReport { get }

    /// Calls one standard operation.
    ///
    /// `session.open` creates the session named by `session`; `session.close`
    /// ends it, whatever the plugin answers. Every other operation needs an
    /// open session, except `metadata.get`, which takes none.
    ///
    /// - Parameters:
    ///   - operation: The standard operation.
    ///   - session: The session the call runs in.
    ///   - body: The request JSON.
    ///   - timeLimit: How long the plugin may take; nil for no limit. An
    ///     interruptible runtime fails the call with `timeout` once it has passed.
    /// - Returns: The plugin's reply, whatever its status.
    /// - Throws: Errors of the runtime itself: `not_found` (operation or session),
    ///   `plugin_crashed`, `timeout`, `unavailable`.
    nonisolated(nonsending) func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], timeLimit: Duration?
    ) async throws(ConnectorHostError) -> PluginReply

    /// Calls a custom function: plain C, or one that takes its context and
    /// then runs in the request's session, which must be open.
    ///
    /// - Parameters:
    ///   - request: The function, its checked arguments, session and settings.
    ///   - timeLimit: As for ``invoke(_:session:body:timeLimit:)``.
    /// - Returns: Its result and the status it set, whatever that is.
    /// - Throws: As ``invoke(_:session:body:timeLimit:)``.
    nonisolated(nonsending) func invokeCustom(
        _ request: CustomFunctionRequest, timeLimit: Duration?
    ) async throws(ConnectorHostError) -> CustomReply

    /// Called by the guard before it retries an attempt that timed out, so the
    /// retry does not queue behind the stuck call: a runtime whose calls wait
    /// for a slot the stuck call still holds replaces what holds it.
    ///
    /// - Returns: Whether the runtime started afresh, losing its open sessions.
    func replaceIfStuck() async -> Bool

    /// Starts afresh (operator action): a new worker, with quarantine and
    /// crash history cleared. Open sessions are lost. Nothing to do in process.
    ///
    /// - Throws: Why the new worker could not start.
    func restart() async throws(ConnectorHostError)

    /// Starts the plugin's worker now if none runs, rather than on the next
    /// call (operator action, or a plugin configured warm). Nothing to do in process.
    ///
    /// - Throws: Why the worker could not start.
    func warmUp() async throws(ConnectorHostError)

    /// Stops the worker now unless a call holds or waits for it; the next call
    /// starts a new one. Nothing to do in process.
    func stopIfUnused() async

    /// Keeps the worker from an idle stop until ``release()``: a caller's call
    /// spans several exchanges (its session opened, then the call), all with
    /// the same worker. Every call made through the runtime holds it too.
    func hold()

    /// Ends one ``hold()``; the idle period counts from the last one ended.
    func release()

    /// Closes whatever the runtime holds; later calls fail with `unavailable`.
    func shutdown() async

    /// Takes no calls until an operator restarts it or its file changes, for
    /// a reason known from before (a quarantine kept across a host restart).
    /// Nothing to do in process, where a crash takes the host down.
    func quarantine(because reason: String)

    /// Tells every running call that the host is shutting down: the plugin's
    /// `is_cancelled` turns true. The calls may still answer.
    func cancelRunningCalls()

    /// Fails every call still running with `error`, for a shutdown whose
    /// deadline has passed. A runtime that cannot cut a call off (in process)
    /// leaves it running.
    func failRunningCalls(with error: ConnectorHostError)

    /// The thread that reads the running worker's replies, as an executor
    /// (``ReplyExecutor``); nil when no worker runs or the plugin runs in process.
    var replyExecutor: (any TaskExecutor)? { get }
}

extension PluginRuntime {
    /// A call in this process cannot be cut off: nothing to replace.
    package func replaceIfStuck() async -> Bool { false }

    /// A runtime without a worker of its own has nothing to start.
    package func warmUp() async throws(ConnectorHostError) {}

    /// A runtime without a worker of its own has nothing to stop.
    package func stopIfUnused() async {}

    /// A runtime without a worker of its own has nothing to keep running.
    package func hold() {}

    /// A runtime without a worker of its own has nothing to keep running.
    package func release() {}

    /// A runtime without a worker of its own has no reply thread.
    package var replyExecutor: (any TaskExecutor)? { nil }
}
