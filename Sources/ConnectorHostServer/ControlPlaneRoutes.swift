import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Hummingbird

/// The operator's view: plugins and their health, restart, warm-up, pause and resume,
/// `/healthz`, `/metrics` (Prometheus text) and `/openapi.json`.
enum ControlPlaneRoutes {
    /// A plugin in `GET /plugins`: its state and, in `GET /plugins/{name}`, its functions.
    struct PluginView: Encodable {
        let status: PluginStatus
        let plugin: PluginSummary?

        func encode(to encoder: Encoder) throws {
            try status.encode(to: encoder)
            if let plugin {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(plugin.capabilities, forKey: .capabilities)
                try container.encode(plugin.functions, forKey: .functions)
                try container.encode(plugin.key, forKey: .key)
                try container.encode(plugin.endpointEntityId, forKey: .endpointEntityId)
                try container.encode(plugin.functionEntityStartId, forKey: .functionEntityStartId)
                try container.encode(plugin.functionEntityEndId, forKey: .functionEntityEndId)
            }
        }

        enum Key: String, CodingKey {
            case capabilities, functions, key, endpointEntityId, functionEntityStartId, functionEntityEndId
        }
    }

    struct PluginList: Encodable {
        /// Which host answered: in a fleet, workers, breakers and rate limits are each host's own.
        let host: String
        let plugins: [PluginView]
    }

    /// One plugin's recent calls, in `GET /activity`.
    struct PluginActivity: Encodable {
        let name: String
        let windows: [CallWindow]
    }

    struct ActivityList: Encodable {
        let windowSeconds = Int(RecentCalls.windowLength.components.seconds)
        let plugins: [PluginActivity]
    }

    /// Who the token is, for the console.
    struct Identity: Encodable {
        let principal: String
        let org: String?
        let admin: Bool
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        router.get("healthz") { _, _ in
            JSONBody.response(["status": "ok"])
        }
        router.get("openapi.json") { _, _ in
            JSONBody.response(bytes: OpenAPIDocument.json)
        }
        router.get("metrics") { _, context in
            // Every plugin's series, of every org: the operator's, not a tenant's.
            try context.requireAdmin()
            state.host.recordStatusMetrics()
            var text: [UInt8] = []
            state.metrics.emit(into: &text)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
        router.get("plugins") { _, context in
            let principal = try context.requirePrincipal()
            var views: [PluginView] = []
            for status in state.host.statuses {
                guard let visibility = try await state.visibility(ofPluginNamed: status.name, to: principal) else { continue }
                views.append(PluginView(status: status.seen(by: principal, as: visibility), plugin: nil))
            }
            return JSONBody.response(PluginList(host: state.configuration.hostID, plugins: views))
        }
        router.get("me") { _, context in
            let principal = try context.requirePrincipal()
            return JSONBody.response(Identity(principal: principal.description, org: principal.orgID, admin: principal == .admin))
        }
        router.get("activity") { _, context in
            // Call rates are the owner's business: of another org's published
            // connector, a tenant sees none.
            let principal = try context.requirePrincipal()
            var plugins: [PluginActivity] = []
            for status in state.host.statuses where try await state.visibility(ofPluginNamed: status.name, to: principal) == .full {
                guard let windows = state.host.recentCalls(ofPluginNamed: status.name) else { continue }
                plugins.append(PluginActivity(name: status.name, windows: windows))
            }
            return JSONBody.response(ActivityList(plugins: plugins))
        }
        router.get("plugins/:name") { _, context in
            let principal = try context.requirePrincipal()
            let name = try parameter("name", context)
            guard let visibility = try await state.visibility(ofPluginNamed: name, to: principal) else {
                throw ConnectorHostError(.notFound, "no connector named '\(name)'")
            }
            let connector = try state.servedConnector(name, for: principal)
            let summary = visibility == .full ? PluginSummary(connector.description) : nil
            return JSONBody.response(PluginView(
                status: connector.status.seen(by: principal, as: visibility), plugin: summary
            ))
        }
        router.post("plugins/:name/restart") { _, context in
            try context.requireAdmin()
            let connector = try state.host.connector(named: try parameter("name", context))
            try await state.registry.recordOperatorAction("plugin restarted", plugin: connector.name, by: context.actor)
            try await state.registry.clearQuarantine(plugin: connector.name)
            try await connector.restart()
            return JSONBody.response(PluginView(status: connector.status, plugin: nil))
        }
        router.post("plugins/:name/warm") { _, context in
            try context.requireAdmin()
            let connector = try state.host.connector(named: try parameter("name", context))
            try await state.registry.recordOperatorAction("plugin warmed up", plugin: connector.name, by: context.actor)
            try await connector.warmUp()
            return JSONBody.response(PluginView(status: connector.status, plugin: nil))
        }
        router.post("plugins/:name/reload") { _, context in
            try context.requireAdmin()
            let name = try parameter("name", context)
            guard let source = state.host.sourcePath(of: name) else {
                throw ConnectorHostError(.notFound, "no plugin '\(name)' loaded from the plugin directory")
            }
            try await state.registry.recordOperatorAction("plugin reloaded", plugin: name, by: context.actor)
            let connector = try await state.host.reload(pluginAt: source)
            return JSONBody.response(PluginView(status: connector.status, plugin: nil))
        }
        router.post("plugins/:name/pause") { _, context in
            try context.requireAdmin()
            let connector = try state.host.connector(named: try parameter("name", context))
            try await state.registry.setPaused(true, plugin: connector.name, by: context.actor)
            connector.pause()
            return JSONBody.response(PluginView(status: connector.status, plugin: nil))
        }
        router.post("plugins/:name/resume") { _, context in
            try context.requireAdmin()
            let connector = try state.host.connector(named: try parameter("name", context))
            try await state.registry.setPaused(false, plugin: connector.name, by: context.actor)
            connector.resume()
            return JSONBody.response(PluginView(status: connector.status, plugin: nil))
        }
    }
}

extension PluginStatus {
    /// What a caller may read of the status: an org never sees server paths,
    /// and of another org's published connector only its name, version and
    /// health.
    func seen(by principal: Principal, as visibility: ServerState.Visibility) -> PluginStatus {
        guard principal != .admin else { return self }
        var status = self
        status.path = URL(fileURLWithPath: path).lastPathComponent
        if visibility == .published {
            status.path = ""
            status.pid = nil
            status.lastCrash = nil
            status.lastReloadError = nil
            status.reason = nil
        }
        return status
    }
}
