import ConnectorHost

/// What operators do to served plugins, and what crashes bring on them:
/// recorded so that a restart keeps it (a paused plugin stays paused, a
/// quarantined build stays quarantined) and audited with who did it.
extension Registry {
    /// Records an operator's action on a plugin in the audit trail.
    ///
    /// - Parameters:
    ///   - action: What was done, e.g. `"plugin restarted"`.
    ///   - plugin: The plugin's name.
    ///   - actor: Who did it, e.g. `"admin (token tok_…)"`.
    public func recordOperatorAction(_ action: String, plugin: String, by actor: String) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await audit(transaction, actor: actor, action: action, subject: plugin)
        }
    }

    /// Pauses or resumes a plugin for good (until changed again), and audits it.
    public func setPaused(_ paused: Bool, plugin: String, by actor: String) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                """
                INSERT INTO operator_state (plugin, paused, updated_by, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (plugin) DO UPDATE SET paused = excluded.paused, updated_by = excluded.updated_by,
                  updated_at = excluded.updated_at
                """,
                .text(plugin), .integer(paused ? 1 : 0), .text(actor), .text(timestamp())
            )
            try await audit(transaction, actor: actor, action: paused ? "plugin paused" : "plugin resumed", subject: plugin)
        }
    }

    /// The plugins an operator left paused, by name.
    public func pausedPlugins() async throws(ConnectorHostError) -> [String] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows("SELECT plugin FROM operator_state WHERE paused = 1 ORDER BY plugin").compactMap {
                $0.text("plugin")
            }
        }
    }

    /// Keeps a plugin's quarantine: the build it holds for, and why.
    public func setQuarantine(plugin: String, sha256: String, reason: String) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                """
                INSERT INTO operator_state (plugin, paused, quarantined_sha256, quarantine_reason, updated_by, updated_at)
                VALUES (?, 0, ?, ?, 'host', ?)
                ON CONFLICT (plugin) DO UPDATE SET quarantined_sha256 = excluded.quarantined_sha256,
                  quarantine_reason = excluded.quarantine_reason, updated_by = excluded.updated_by,
                  updated_at = excluded.updated_at
                """,
                .text(plugin), .text(sha256), .text(reason), .text(timestamp())
            )
            try await audit(transaction, actor: "host", action: "plugin quarantined", subject: plugin, detail: reason)
        }
    }

    /// Lifts a kept quarantine (an operator restarted the plugin).
    public func clearQuarantine(plugin: String) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                "UPDATE operator_state SET quarantined_sha256 = NULL, quarantine_reason = NULL WHERE plugin = ?",
                .text(plugin)
            )
        }
    }

    /// The quarantines kept: plugin, the build they hold for, and why.
    public func quarantines() async throws(ConnectorHostError) -> [(plugin: String, sha256: String, reason: String)] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows(
                "SELECT plugin, quarantined_sha256, quarantine_reason FROM operator_state WHERE quarantined_sha256 IS NOT NULL"
            ).map { ($0.text("plugin") ?? "", $0.text("quarantined_sha256") ?? "", $0.text("quarantine_reason") ?? "") }
        }
    }
}
