import ConnectorHost

/// The human-readable forms of `inspect` and `list`.
enum PluginText {
    static func details(_ plugin: PluginSummary) -> String {
        var lines = ["\(plugin.name) \(plugin.version) (ABI version \(plugin.abiVersion))"]
        func field(_ label: String, _ value: String?) {
            guard let value else { return }
            lines.append("  " + (label + ":").padding(toLength: 15, withPad: " ", startingAt: 0) + value)
        }
        field("key", plugin.key)
        field("endpoint ID", String(plugin.endpointEntityId))
        field("function IDs", "\(plugin.functionEntityStartId)...\(plugin.functionEntityEndId)")
        field("type", plugin.metadata.type)
        field("category", plugin.metadata.category)
        field("description", plugin.metadata.description)
        field("licence", plugin.metadata.licence)
        field("owner", plugin.metadata.owner)
        field("icon", plugin.metadata.iconURL)
        field("ui spec", plugin.metadata.uiSpec.map { "\($0.utf8.count) bytes of JSON Schema" })
        field(
            "concurrency",
            plugin.threadSafe ? "thread-safe, " + (plugin.maxConcurrency.map { "at most \($0) calls at once" } ?? "no limit of its own")
                : "one call at a time"
        )
        field("capabilities", plugin.capabilities.map(\.rawValue).joined(separator: ", "))
        lines.append("  functions:")
        let width = plugin.functions.map(\.name.count).max() ?? 0
        for function in plugin.functions {
            let kind = function.group.map { "standard, \($0.rawValue)" } ?? "custom: \(function.signature ?? "")"
            lines.append("    \(function.entityId)  \(function.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind)")
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ report: DiscoveryReport) -> String {
        var rows = [["PLUGIN", "VERSION", "ABI", "ENTITY IDS", "CAPABILITIES", "PATH"]]
        for plugin in report.plugins {
            let summary = PluginSummary(plugin.description)
            rows.append([
                summary.name, summary.version, String(summary.abiVersion),
                "\(summary.endpointEntityId), \(summary.functionEntityStartId)...\(summary.functionEntityEndId)",
                summary.capabilities.map(\.rawValue).joined(separator: ","), plugin.path,
            ])
        }
        var lines = aligned(rows)
        if report.plugins.isEmpty { lines.append("(no plugin loaded)") }
        for plugin in report.plugins {
            for warning in plugin.warnings { lines.append("warning: \(plugin.description.manifest.name): \(warning)") }
        }
        if !report.rejected.isEmpty {
            lines.append("")
            lines.append("rejected:")
            for rejected in report.rejected {
                lines.append("  \(rejected.error.code): \(rejected.error.message)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func health(_ statuses: [PluginStatus], rejected: [RejectedPlugin]) -> String {
        var rows = [["PLUGIN", "RUNTIME", "HEALTH", "BREAKER", "PID", "RESTARTS", "ISOLATION", "LAST CRASH"]]
        for status in statuses {
            var health = status.health.rawValue
            if let seconds = status.secondsToNextProbe { health += " (probe in \(Int(seconds.rounded(.up))) s)" }
            if let seconds = status.secondsToRestart { health += " (in \(Int(seconds.rounded(.up))) s)" }
            if let reason = status.reason { health += ": \(reason)" }
            rows.append([
                status.name, status.runtime, health, status.breakerState.rawValue, status.pid.map(String.init) ?? "-",
                String(status.restarts), status.isolation ?? "-", status.lastCrash ?? "-",
            ])
        }
        var lines = aligned(rows)
        if statuses.isEmpty { lines.append("(no plugin loaded)") }
        if !rejected.isEmpty {
            lines.append("")
            lines.append("rejected:")
            for file in rejected { lines.append("  \(file.error.code): \(file.error.message)") }
        }
        return lines.joined(separator: "\n")
    }

    /// Rows padded into columns, without trailing blanks.
    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
    }
}
