/// Calls routed through the plugin's sessions: the caller names credentials,
/// not sessions.
extension Connector {
    /// Calls a standard operation in the session of `credentials`: opened on
    /// first use and reused; reopened once when the plugin answers that the
    /// session is not valid (`unauthorized`). `entity.list` and the history
    /// operations never ask for more than the plugin's `server.info` maxResults.
    /// `session.open` itself answers what the plugin answered when it opened
    /// the session of `credentials` (opening it now if there is none).
    ///
    /// - Parameters:
    ///   - operation: The operation.
    ///   - request: The request JSON (empty for `{}`).
    ///   - credentials: The session configuration.
    /// - Returns: The response JSON.
    public func call(
        _ operation: StandardOperation, request: [UInt8] = [], credentials: [SessionSetting]
    ) async throws(ConnectorHostError) -> [UInt8] {
        // One build answers the whole call, sessions included.
        let plugin = try current()
        plugin.beginCall()
        defer { plugin.endCall() }
        guard operation.needsSession else { return try await call(operation, request: request, session: nil, on: plugin) }
        if operation == .sessionOpen {
            return try await pooledSession(credentials, on: plugin, hostInitiated: false).response
        }
        var body = request
        if operation.isPaged { body = try await capPageSize(body, credentials: credentials, on: plugin) }
        return try await inPooledSession(credentials, on: plugin) { (session) async throws(ConnectorHostError) in
            let response = try await self.call(operation, request: body, session: session, on: plugin)
            if operation == .entityTypeGet { try self.checkRecovery(response, of: plugin.description) }
            return response
        }
    }

    /// Runs `work` in the pooled session of `credentials`; when the plugin
    /// answers that the session is not valid, opens a new one and runs it once
    /// more. A session the plugin refused or lost with its worker is forgotten.
    func inPooledSession<Value>(
        _ credentials: [SessionSetting], on plugin: HostedPlugin,
        _ work: (SessionID) async throws(ConnectorHostError) -> Value
    ) async throws(ConnectorHostError) -> Value {
        var reopened = false
        while true {
            let session = try await pooledSession(credentials, on: plugin).id
            do {
                return try await work(session)
            } catch {
                let lost = error.code == .unauthorized || error.code == .pluginCrashed
                if lost { await plugin.sessions.discard(session, for: credentials) }
                guard error.code == .unauthorized, !reopened else { throw error }
                reopened = true
            }
        }
    }

    /// Closes the pooled session of `credentials`, if one is open (a session
    /// logout): the plugin releases what it holds for it, and the next call
    /// with these credentials opens a new one.
    ///
    /// - Throws: The plugin's error closing it.
    public func closeSession(credentials: [SessionSetting]) async throws(ConnectorHostError) {
        let plugin = try current()
        plugin.beginCall()
        defer { plugin.endCall() }
        guard let opened = await plugin.sessions.remove(for: credentials) else { return }
        _ = try await call(.sessionClose, request: [], session: opened.id, on: plugin)
    }

    /// The pooled session of `credentials`. Opening it is the host's own call
    /// unless the caller asked for `session.open`: after a crash the host
    /// reopens a session for the next call, and that success must not reset
    /// the breaker's count of real calls that crashed.
    private func pooledSession(
        _ credentials: [SessionSetting], on plugin: HostedPlugin, hostInitiated: Bool = true
    ) async throws(ConnectorHostError) -> SessionPool.Opened {
        try await plugin.sessions.session(for: credentials) { () async throws(ConnectorHostError) in
            try await self.openPooledSession(credentials, on: plugin, hostInitiated: hostInitiated)
        }
    }

    /// The plugin's largest page (`server.info` maxResults), asked once.
    func maxResults(credentials: [SessionSetting], on plugin: HostedPlugin) async throws(ConnectorHostError) -> Int? {
        if let known = plugin.knownMaxResults { return known }
        let session = try await pooledSession(credentials, on: plugin).id
        let info = try JSONValue(
            parsing: try await call(.serverInfo, request: [], session: session, on: plugin, hostInitiated: true)
        )
        guard let value = info["maxResults"]?.integerValue, value > 0 else { return nil }
        plugin.knownMaxResults = Int(value)
        return Int(value)
    }

    private func capPageSize(
        _ request: [UInt8], credentials: [SessionSetting], on plugin: HostedPlugin
    ) async throws(ConnectorHostError) -> [UInt8] {
        guard let limit = try await maxResults(credentials: credentials, on: plugin) else { return request }
        var object = request.isEmpty ? [:] : (try JSONValue(parsing: request).objectValue ?? [:])
        if let asked = object["maxResults"]?.integerValue ?? object["maxResults"]?.stringValue.flatMap({ Int64($0) }),
            asked <= limit
        {
            return request
        }
        object["maxResults"] = .integer(Int64(limit))
        return JSONValue.object(object).bytes
    }

    /// An entity type that recovers from history needs a plugin that declared
    /// it (and so was checked to implement `history.list`).
    private func checkRecovery(_ response: [UInt8], of description: PluginDescription) throws(ConnectorHostError) {
        guard !description.usesHistoryRecovery,
            (try? JSONValue(parsing: response))?["recovery"]?["type"]?.stringValue == "HISTORY_BASED"
        else { return }
        throw ConnectorHostError(
            .pluginError,
            "\(description.manifest.name) answered recovery.type HISTORY_BASED but does not declare CH_PLUGIN_HISTORY_RECOVERY (and history.list)"
        )
    }
}

extension StandardOperation {
    /// Whether the operation pages with startIndex/maxResults.
    var isPaged: Bool {
        switch self {
        case .entityList, .historyList, .historyAttachments, .historyComments, .historyLinks: true
        default: false
        }
    }
}
