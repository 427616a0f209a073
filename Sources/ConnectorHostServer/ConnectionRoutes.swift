import ConnectorHost
import ConnectorHostRegistry
import Hummingbird

/// Saved connections: an org keeps the settings (credentials) of a connector
/// it calls once, sealed at rest, and names the connection in calls
/// (`connector-connection` header) instead of sending them. A sensitive
/// value is never answered back; a connection is tied to the connector
/// version it was saved for and is moved to the next one explicitly.
enum ConnectionRoutes {
    struct NewConnection: Decodable {
        /// The owning org: an org token's own when absent; the admin must name one.
        let org: String?
        let connector: String
        let name: String
        /// The connector version the settings are for; the served one when absent.
        let version: String?
        let settings: [SessionSetting]
    }

    struct ConnectionChange: Decodable {
        let version: String?
        let settings: [SessionSetting]?
    }

    /// A connection as answered: its settings with every sensitive value masked.
    struct ConnectionView: Encodable {
        let id: String
        let org: String
        let connector: String
        let version: String
        let name: String
        let settings: [SessionSetting]
        let createdAt: String
        let updatedAt: String
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        router.get("connections") { _, context in
            let principal = try context.requirePrincipal()
            let views = try await state.registry.connections(visibleTo: principal).map { connection throws(ConnectorHostError) in
                try view(connection, state: state)
            }
            return JSONBody.response(["connections": views])
        }
        router.post("connections") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(NewConnection.self, limit: 256 << 10)
            let connector = try state.servedConnector(body.connector, for: principal)
            guard try await state.visibility(ofPluginNamed: connector.name, to: principal) != nil else {
                throw ConnectorHostError(.notFound, "no connector named '\(body.connector)'")
            }
            guard let org = body.org ?? principal.orgID else {
                throw ConnectorHostError(.invalidRequest, "the admin names the org that owns the connection (\"org\")")
            }
            guard try await state.registry.orgExists(org) else { throw ConnectorHostError(.notFound, "no org '\(org)'") }
            let version = body.version ?? connector.description.manifest.version
            let saved = try await state.registry.createConnection(
                org: org, connector: connector.name, version: version, name: body.name, settings: body.settings,
                vault: state.vault, by: principal
            )
            return JSONBody.response(try view(saved, state: state), status: .created)
        }
        router.get("connections/:id") { _, context in
            let principal = try context.requirePrincipal()
            let saved = try await state.registry.connection(id: try parameter("id", context), visibleTo: principal)
            return JSONBody.response(try view(saved, state: state))
        }
        router.put("connections/:id") { request, context in
            let principal = try context.requirePrincipal()
            let id = try parameter("id", context)
            let body = try await request.decodeJSON(ConnectionChange.self, limit: 256 << 10)
            let saved = try await state.registry.updateConnection(
                id: id, version: body.version, settings: body.settings, vault: state.vault, by: principal
            )
            return JSONBody.response(try view(saved, state: state))
        }
        router.delete("connections/:id") { _, context in
            let principal = try context.requirePrincipal()
            try await state.registry.deleteConnection(id: try parameter("id", context), by: principal)
            return JSONBody.response(["deleted": true])
        }
    }

    static func view(_ saved: SavedConnection, state: ServerState) throws(ConnectorHostError) -> ConnectionView {
        let settings = try state.vault.open(saved.sealedSettings, for: saved.binding).map { setting in
            setting.sensitive ? SessionSetting(key: setting.key, value: "********", sensitive: true) : setting
        }
        return ConnectionView(
            id: saved.id, org: saved.org, connector: saved.connector, version: saved.version, name: saved.name,
            settings: settings, createdAt: saved.createdAt, updatedAt: saved.updatedAt
        )
    }

    /// The settings of the connection a call names, for `connector`.
    ///
    /// - Throws: `not_found` for a connection the caller may not use or of
    ///   another connector; `conflict` when it was saved for another version
    ///   than the one serving; `unavailable` when its settings do not open.
    static func settings(
        ofConnection id: String, connector: Connector, principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> [SessionSetting] {
        let saved = try await state.registry.connection(id: id, visibleTo: principal)
        guard saved.connector == connector.name else {
            throw ConnectorHostError(.notFound, "no connection '\(id)' for \(connector.name)")
        }
        let serving = connector.description.manifest.version
        guard saved.version == serving else {
            throw ConnectorHostError(
                .conflict,
                "the connection \(id) is for \(saved.connector) \(saved.version), and \(serving) is serving; move it to \(serving) (PUT /connections/\(id) with {\"version\": \"\(serving)\"}) once its settings suit that version"
            )
        }
        return try state.vault.open(saved.sealedSettings, for: saved.binding)
    }
}
