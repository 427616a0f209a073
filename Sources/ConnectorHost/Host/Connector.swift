import Foundation
import Synchronization

/// A handle on one connector plugin, by name: open sessions and call its
/// operations. Each call goes to the build serving the name when the call
/// starts, and stays on it to the end, so that a reload switches new calls
/// over at once and lets running ones finish where they began.
public final class Connector: Sendable {
    private static let nextSessionID = Atomic<UInt64>(1)

    /// The connector's name.
    public let name: String
    private let resolve: @Sendable () -> HostedPlugin?
    /// The build seen when the handle was made, for descriptions once it is gone.
    private let initial: HostedPlugin
    /// The build the last call went to: looked up again only once it is
    /// retired, so that a call costs no lookup by name.
    private let serving: Mutex<HostedPlugin>

    package init(plugin: HostedPlugin, resolve: @escaping @Sendable () -> HostedPlugin?) {
        name = plugin.name
        initial = plugin
        serving = Mutex(plugin)
        self.resolve = resolve
    }

    /// A handle bound to one build for good.
    package convenience init(plugin: HostedPlugin) {
        self.init(plugin: plugin) { plugin }
    }

    /// The build serving the name now.
    ///
    /// - Throws: `unavailable` once the plugin was unloaded.
    func current() throws(ConnectorHostError) -> HostedPlugin {
        let cached = serving.withLock { $0 }
        guard cached.isRetired else { return cached }
        guard let plugin = resolve() else {
            throw ConnectorHostError(.unavailable, "\(name) is no longer served (its plugin was unloaded)")
        }
        serving.withLock { $0 = plugin }
        return plugin
    }

    private var plugin: HostedPlugin { (try? current()) ?? initial }

    /// The plugin's validated description.
    public var description: PluginDescription { plugin.description }

    /// Where calls to the connector go: the serving build's operations and custom functions.
    public var router: FunctionRouter { plugin.router }

    /// The plugin's state now.
    public var status: PluginStatus { plugin.status }

    /// The SHA-256 of the plugin file serving now.
    public var fileSHA256: String? { plugin.fileSHA256 }

    /// The plugin's circuit breaker, for operators: force it open or reset it.
    public var breaker: CircuitBreaker { plugin.guarded.breaker }

    /// Starts a fresh sandbox worker, clearing quarantine and crash history
    /// (operator action). Open sessions are lost. Nothing to do in process.
    ///
    /// - Throws: Why the new worker could not start.
    public func restart() async throws(ConnectorHostError) {
        try await current().guarded.runtime.restart()
    }

    /// Starts the plugin's sandbox worker now if none runs, rather than on the
    /// next call (operator action); it stops again after its idle period
    /// unless the plugin is configured warm. Nothing to do in process.
    ///
    /// - Throws: Why the worker could not start.
    public func warmUp() async throws(ConnectorHostError) {
        try await current().guarded.runtime.warmUp()
    }

    /// The thread on which the replies of this connector's running sandbox
    /// worker arrive, as a task executor; nil when no worker runs (idle, or
    /// in process). A task that makes many calls in a row and prefers it
    /// (`withTaskExecutorPreference(connector.replyExecutor) { … }`) is resumed
    /// by each reply on that thread, without a hop to another thread. Jobs of
    /// other tasks wait while it runs, so keep such a task to calls and light
    /// work between them. After the worker ends, the preference is harmless:
    /// its jobs run on the global executor.
    public var replyExecutor: (any TaskExecutor)? { plugin.guarded.runtime.replyExecutor }

    /// Opens a session with the end system.
    ///
    /// - Parameter settings: The session configuration, e.g. credentials.
    /// - Returns: The new session's ID, for later calls.
    /// - Throws: The plugin's error, mapped to the host's taxonomy.
    public func openSession(_ settings: [SessionSetting]) async throws(ConnectorHostError) -> SessionID {
        let plugin = try current()
        plugin.beginCall()
        defer { plugin.endCall() }
        return try await openPooledSession(settings, on: plugin, hostInitiated: false).id
    }

    /// Opens a session on one build: its ID, and the settings `session.open`
    /// answered for the caller to pass back.
    ///
    /// - Parameter hostInitiated: No caller asked for this session now: the
    ///   host opens (or reopens, after a crash) the session a call needs.
    func openPooledSession(
        _ settings: [SessionSetting], on plugin: HostedPlugin, hostInitiated: Bool
    ) async throws(ConnectorHostError) -> SessionPool.Opened {
        let session = SessionID(rawValue: Self.nextSessionID.add(1, ordering: .relaxed).oldValue)
        let body = try Self.encoded(settings)
        let response = try await call(
            .sessionOpen, request: body, session: session, on: plugin, hostInitiated: hostInitiated
        )
        return SessionPool.Opened(id: session, response: response)
    }

    /// Settings as `session.open` receives them: a JSON array of `{key, value, sensitive}`.
    static func encoded(_ settings: [SessionSetting]) throws(ConnectorHostError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(settings))
        } catch {
            throw ConnectorHostError(.invalidRequest, "the session settings cannot be encoded: \(error)")
        }
    }

    /// Closes a session; the plugin releases what it holds for it.
    public func closeSession(_ session: SessionID) async throws(ConnectorHostError) {
        _ = try await call(.sessionClose, request: [], session: session)
    }

    /// Calls one standard operation.
    ///
    /// - Parameters:
    ///   - operation: The operation.
    ///   - request: The request JSON (empty for `{}`).
    ///   - session: The session it runs in; nil only for `metadata.get`.
    /// - Returns: The response JSON.
    /// - Throws: `not_found` when the plugin does not implement the operation,
    ///   `plugin_error` when it answers with something that is not JSON, and the
    ///   plugin's own errors mapped to the host's taxonomy.
    ///
    /// The call runs on the caller's executor until it waits for the plugin,
    /// like a synchronous function: a trusted plugin, called in process, runs
    /// there to its end.
    nonisolated(nonsending) public func call(
        _ operation: StandardOperation, request: [UInt8] = [], session: SessionID?
    ) async throws(ConnectorHostError) -> [UInt8] {
        let plugin = try current()
        plugin.beginCall()
        defer { plugin.endCall() }
        return try await call(operation, request: request, session: session, on: plugin)
    }

    /// Calls one standard operation on one build, inside a public entry point
    /// that counts the call as running on it.
    ///
    /// `hostInitiated`: the host makes the call on its own; its success does
    /// not reset the breaker (see ``GuardedRuntime/invoke(_:session:body:hostInitiated:)``).
    nonisolated(nonsending) func call(
        _ operation: StandardOperation, request: [UInt8], session: SessionID?, on plugin: HostedPlugin,
        hostInitiated: Bool = false
    ) async throws(ConnectorHostError) -> [UInt8] {
        try checkNotPaused(plugin)
        try plugin.router.requireImplemented(operation)
        if !request.isEmpty, !JSONValidator.isValid(request) {
            throw ConnectorHostError(.invalidRequest, "the request for \(name) \(operation.rawValue) is not valid JSON")
        }
        let reply = try await plugin.guarded.invoke(
            operation, session: session, body: request, hostInitiated: hostInitiated
        )
        let body = try reply.successBody(plugin: name, operation: operation.rawValue)
        if operation != .sessionClose, !JSONValidator.isValid(body) {
            throw ConnectorHostError(
                .pluginError, "\(name) \(operation.rawValue) answered with a body that is not valid JSON (\(body.count) bytes)"
            )
        }
        return body
    }

    /// Calls one of the plugin's custom functions with a JSON array of arguments.
    ///
    /// The arguments are checked against the function's declared C signature
    /// (arity, type, range) before anything is sent to the plugin. A function
    /// that takes its context (`CH_TYPE_CONTEXT`) runs in the session of
    /// `credentials`, as ``call(_:request:credentials:)`` runs an operation:
    /// pooled, opened on first use, reopened once when the function answers
    /// that the session is not valid.
    ///
    /// - Parameters:
    ///   - reference: The function's entity ID or name.
    ///   - arguments: A JSON array, e.g. `[42, "text", 2.5, true]`.
    ///   - credentials: The session configuration of a function that takes its
    ///     context; must be empty for a plain C function, which has no session.
    /// - Returns: The function's result.
    /// - Throws: `not_found` for an unknown function, `invalid_request` naming the
    ///   argument that does not fit (or settings for a function that cannot take
    ///   them), the error the function reported through its context, and the
    ///   guard's and runtime's errors.
    public func callFunction(
        _ reference: FunctionReference, arguments: [UInt8], credentials: [SessionSetting] = []
    ) async throws(ConnectorHostError) -> CustomValue {
        let plugin = try current()
        try checkNotPaused(plugin)
        plugin.beginCall()
        defer { plugin.endCall() }
        let function = try plugin.router.customFunction(reference)
        let values = try CustomFunctionCall.arguments(arguments, for: function, plugin: name)
        guard function.signature?.takesContext == true else {
            guard credentials.isEmpty else {
                // Never dropped in silence.
                throw ConnectorHostError(
                    .invalidRequest,
                    "\(name) \(function.name) is a plain C function without a context: it runs in no session and cannot receive settings; pass its inputs as arguments"
                )
            }
            let request = CustomFunctionRequest(function: function.name, arguments: values)
            let reply = try await plugin.guarded.invokeCustom(request, idempotent: function.isIdempotent)
            return try reply.result(plugin: name, function: function.name)
        }
        let settings = try Self.encoded(credentials)
        return try await inPooledSession(credentials, on: plugin) { (session) async throws(ConnectorHostError) in
            let request = CustomFunctionRequest(function: function.name, arguments: values, session: session, settings: settings)
            let reply = try await plugin.guarded.invokeCustom(request, idempotent: function.isIdempotent)
            return try reply.result(plugin: self.name, function: function.name)
        }
    }

    /// Pauses the plugin (operator action): calls fail with `unavailable` until
    /// ``resume()``; sessions and the worker stay.
    public func pause() { plugin.setPaused(true) }

    /// Lets a paused plugin take calls again.
    public func resume() { plugin.setPaused(false) }

    /// What a refusal says when nothing ends it by itself (paused, quarantined):
    /// how often asking again makes sense.
    package static let pausedRetryAfter: Duration = .seconds(60)

    private func checkNotPaused(_ plugin: HostedPlugin) throws(ConnectorHostError) {
        guard !plugin.isPaused else {
            // Nothing resumes it by itself: the hint is how often asking again makes sense.
            throw ConnectorHostError(
                .unavailable, "\(name) is paused by an operator; it takes calls once resumed",
                retryAfter: Self.pausedRetryAfter
            )
        }
    }

    /// The custom function a reference names.
    ///
    /// - Throws: `not_found` for an unknown function, `invalid_request` for a
    ///   standard operation's entity ID or name.
    public func customFunction(_ reference: FunctionReference) throws(ConnectorHostError) -> PluginFunction {
        try router.customFunction(reference)
    }
}
