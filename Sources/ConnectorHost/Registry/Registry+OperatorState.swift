/// What operators do to served plugins: recorded so that a restart keeps it
/// (a paused plugin stays paused) and audited with who did it.
extension Registry {
    /// Records an operator's action on a plugin in the audit trail.
    ///
    /// - Parameters:
    ///   - action: What was done, e.g. `"plugin restarted"`.
    ///   - plugin: The plugin's name.
    ///   - actor: Who did it, e.g. `"admin (token tok_…)"`.
    public func recordOperatorAction(_ action: String, plugin: String, by actor: String) throws(ConnectorHostError) {
        try database.write { transaction throws(ConnectorHostError) in
            try audit(transaction, actor: actor, action: action, subject: plugin)
        }
    }

    /// Pauses or resumes a plugin for good (until changed again), and audits it.
    public func setPaused(_ paused: Bool, plugin: String, by actor: String) throws(ConnectorHostError) {
        try database.write { transaction throws(ConnectorHostError) in
            try transaction.execute(
                """
                INSERT INTO operator_state (plugin, paused, updated_by, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (plugin) DO UPDATE SET paused = excluded.paused, updated_by = excluded.updated_by,
                  updated_at = excluded.updated_at
                """,
                .text(plugin), .integer(paused ? 1 : 0), .text(actor), .text(timestamp())
            )
            try audit(transaction, actor: actor, action: paused ? "plugin paused" : "plugin resumed", subject: plugin)
        }
    }

    /// The plugins an operator left paused, by name.
    public func pausedPlugins() throws(ConnectorHostError) -> [String] {
        try database.read { transaction throws(ConnectorHostError) in
            try transaction.rows("SELECT plugin FROM operator_state WHERE paused = 1 ORDER BY plugin").compactMap {
                $0.text("plugin")
            }
        }
    }
}
