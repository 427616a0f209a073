import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Hummingbird

/// The Obsrv-compatible catalogue API: upload a distribution, read one entry,
/// list with filters, and move a connector through Draft → InValidation → Live
/// → Retired.
enum CatalogueRoutes {
    struct Registered: Encodable {
        var message = "connector registered successfully."
        let id: String
        let status: String
    }

    struct ListRequest: Decodable {
        struct Params: Decodable { let msgid: String? }
        struct Body: Decodable {
            struct Filters: Decodable {
                let status: [String]?
                let category: [String]?
            }
            let filters: Filters?
        }
        let params: Params?
        let request: Body?
    }

    struct Listed: Encodable {
        let data: [CatalogueEntryView]
        let count: Int
    }

    struct StatusRequest: Decodable {
        struct Body: Decodable {
            let status: String
            let scope: String?
            /// With InValidation: the session configuration the conformance kit tests with.
            let credentials: [SessionSetting]?
        }
        let request: Body
    }

    /// The API a path under `/v2` names and its error code (`segments` from
    /// after `v2`), so that a failure before the route runs names them too.
    static func api(of segments: [String]) -> (api: String, code: String) {
        switch segments {
        case ["connector", "register"]: ("api.connector.register", "FAILED_TO_REGISTER_CONNECTOR")
        case ["connectors", "list"]: ("api.connectors.list", "CONNECTORS_LIST_INPUT_INVALID")
        case let read where read.count == 3 && read[0] == "connectors" && read[1] == "read":
            ("api.connectors.read", "CONNECTOR_NOT_FOUND")
        case let status where status.count == 3 && status[0] == "connectors" && status[2] == "status":
            ("api.connectors.status", "CONNECTOR_STATUS_UPDATE_FAILED")
        default: ("api.not.found", "API_NOT_FOUND")
        }
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        router.post("v2/connector/register") { request, context in
            let api = "api.connector.register"
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let body = try await request.collectBody(limit: state.configuration.maxBodySize)
                let (file, icon) = try Distribution.uploadedFiles(body, contentType: request.headers[.contentType])
                let entry = try await register(file: file, icon: icon, by: principal, state: state)
                return JSONBody.response(CatalogueEnvelope.success(
                    api: api, msgid: nil, result: Registered(id: entry.id, status: entry.status.rawValue)
                ))
            } catch {
                throw CatalogueFailure.error(api: api, code: "FAILED_TO_REGISTER_CONNECTOR", error)
            }
        }
        router.get("v2/connectors/read/:id") { request, context in
            let api = "api.connectors.read"
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let id = try parameter("id", context)
                let edit: Bool
                switch request.uri.queryParameters["mode"].map(String.init) {
                case nil, "": edit = false
                case "edit": edit = true
                case let other?: throw ConnectorHostError(.invalidRequest, "mode '\(other)' is not 'edit'; leave it out to read the Live version")
                }
                let entry = try await CatalogueReading.entry(id, edit: edit, visibleTo: principal, registry: state.registry)
                return JSONBody.response(CatalogueEnvelope.success(api: api, msgid: nil, result: CatalogueEntryView(entry)))
            } catch {
                throw CatalogueFailure.error(api: api, code: "CONNECTOR_NOT_FOUND", error)
            }
        }
        router.post("v2/connectors/list") { request, context in
            let api = "api.connectors.list"
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let body = try await request.decodeJSON(ListRequest.self, limit: 64 << 10)
                let filters = body.request?.filters
                var statuses: [CatalogueStatus] = []
                for name in filters?.status ?? [] {
                    guard let status = CatalogueStatus(rawValue: name) else {
                        throw ConnectorHostError(
                            .invalidRequest,
                            "request.filters.status holds '\(name)'; statuses are \(CatalogueStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    statuses.append(status)
                }
                let entries = try await state.registry.catalogue(
                    statuses: statuses, categories: filters?.category ?? [], visibleTo: principal
                )
                return JSONBody.response(CatalogueEnvelope.success(
                    api: api, msgid: body.params?.msgid,
                    result: Listed(data: entries.map(CatalogueEntryView.init), count: entries.count)
                ))
            } catch {
                throw CatalogueFailure.error(api: api, code: "CONNECTORS_LIST_INPUT_INVALID", error)
            }
        }
        router.post("v2/connectors/:id/status") { request, context in
            let api = "api.connectors.status"
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let id = try parameter("id", context)
                let body = try await request.decodeJSON(StatusRequest.self, limit: 64 << 10)
                guard let status = CatalogueStatus(rawValue: body.request.status) else {
                    throw ConnectorHostError(
                        .invalidRequest,
                        "request.status '\(body.request.status)' is not one of \(CatalogueStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                var scope: PublishScope?
                if let name = body.request.scope {
                    guard let parsed = PublishScope(rawValue: name) else {
                        throw ConnectorHostError(.invalidRequest, "request.scope '\(name)' is not 'catalogue' or 'org'")
                    }
                    scope = parsed
                }
                let entry = try await Publishing.move(
                    id, to: status, scope: scope, credentials: body.request.credentials ?? [], by: principal, state: state
                )
                return JSONBody.response(CatalogueEnvelope.success(api: api, msgid: nil, result: CatalogueEntryView(entry)))
            } catch {
                throw CatalogueFailure.error(api: api, code: "CONNECTOR_STATUS_UPDATE_FAILED", error)
            }
        }
    }

    /// Reads an uploaded distribution and stores it (``store(_:fileName:by:state:)``).
    private static func register(
        file: (name: String, bytes: [UInt8]), icon: (name: String, bytes: [UInt8])?, by principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        let distribution = try await Distribution.unpack(fileName: file.name, bytes: file.bytes, icon: icon)
        return try await store(distribution, fileName: file.name, by: principal, state: state)
    }

    /// Stores a distribution and records it as a Draft (served at once in
    /// development). A refused one leaves nothing behind in the store, and the
    /// message names `fileName`, never a path on the server.
    static func store(
        _ distribution: Distribution, fileName: String, by principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        let file = (name: fileName, bytes: distribution.plugin)
        let store = state.configuration.resolvedPluginStore
        let stored = try distribution.store(in: store.path)
        do throws(ConnectorHostError) {
            // In a fleet, before the entry is recorded: the other hosts fetch
            // the build as soon as they learn of the entry.
            try await state.registry.keepBuild(distribution.plugin, by: principal)
            let entry = try await record(distribution, storedAt: stored.path, sha256: stored.sha256, file: file.name,
                                         by: principal, state: state)
            if state.development {
                // Recorded either way: that it cannot be served yet is the developer's to read, not a refusal.
                do throws(ConnectorHostError) {
                    try await CatalogueServing.serve(entry, state: state)
                } catch {
                    state.logger.warning("uploaded connector not served", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
                }
            }
            return entry
        } catch {
            if stored.isNew, try await state.registry.catalogue().allSatisfy({ $0.fileSHA256 != stored.sha256 }) {
                try? FileManager.default.removeItem(atPath: stored.path)
            }
            throw ConnectorHostError(
                error.code,
                error.message.replacingOccurrences(of: stored.path, with: file.name)
                    .replacingOccurrences(of: store.path, with: "the plugin store")
            )
        }
    }

    private static func record(
        _ distribution: Distribution, storedAt path: String, sha256: String, file: String, by principal: Principal,
        state: ServerState
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        let description = try await state.host.scan(pluginAt: path)
        let manifest = description.manifest
        let registration: Registration
        do throws(ConnectorHostError) {
            registration = try await state.registry.verify(key: manifest.key, secret: manifest.secret)
        } catch {
            // The caller's token is fine; it is the plugin's credentials that are not.
            throw ConnectorHostError(.manifestInvalid, "\(file): \(error.message)")
        }
        guard principal.mayAct(for: registration.org) else {
            throw ConnectorHostError(.unauthorized, "\(file): the plugin's registration belongs to another org")
        }
        if distribution.isDocument {
            try await requireSameSlug(manifest.name, as: registration, file: file, state: state)
        }
        let entry = try await state.registry.recordDraft(
            description, registration: registration, filePath: path, sha256: sha256,
            metadata: distribution.metadata, by: principal
        )
        if let uiSpec = distribution.metadata.uiSpec ?? manifest.metadata.uiSpec {
            try await state.registry.setUIPayload(registration: registration.id, payload: uiSpec, by: principal)
        }
        return entry
    }
}

extension CatalogueRoutes {
    /// A declarative connector's slug is immutable once published: a new
    /// version whose document gives its registration another slug than a
    /// version that went Live is refused.
    ///
    /// - Throws: `conflict` naming the published slug.
    static func requireSameSlug(
        _ slug: String, as registration: Registration, file: String, state: ServerState
    ) async throws(ConnectorHostError) {
        let published = try await state.registry.catalogue().filter {
            $0.connectorId == registration.id && ($0.status == .live || $0.status == .retired) && $0.name != slug
        }
        guard let first = published.first else { return }
        throw ConnectorHostError(
            .conflict,
            "\(file): the slug of a published connector cannot change: this registration published '\(first.name)' (\(first.id)), and the document's slug is '\(slug)'; keep slug: \(first.name) and upload a new version"
        )
    }
}

/// Moving a connector through its statuses, and serving it while Live. The
/// InValidation step runs the conformance kit and keeps its report; only a
/// connector whose report passed goes Live.
enum Publishing {
    static func move(
        _ id: String, to status: CatalogueStatus, scope: PublishScope?, credentials: [SessionSetting],
        by principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        guard let entry = try await state.registry.catalogueEntry(id: id), principal.mayAct(for: entry.org) else {
            throw ConnectorHostError(.notFound, "no connector '\(id)'")
        }
        switch status {
        case .inValidation where entry.status.next == .inValidation:
            let build = try await CatalogueServing.storedBuild(of: entry, state: state)
            let report = await ConformanceKit.run(
                pluginAt: build, credentials: credentials, sandbox: state.configuration.host.sandbox, logger: state.logger
            )
            let text = String(decoding: JSONBody.encode(report), as: UTF8.self)
            return try await state.registry.transition(id: id, to: status, report: text, by: principal)
        case .live where entry.status.next == .live:
            let report = entry.validationReport.flatMap { try? JSONDecoder().decode(ConformanceReport.self, from: Data($0.utf8)) }
            guard let report, report.passed else {
                let failed = report?.checks(.fail).map { "\($0.group): \($0.name)" } ?? []
                throw ConnectorHostError(
                    .invalidRequest,
                    "\(id) did not pass the conformance kit (failed: \(failed.isEmpty ? "no report" : failed.joined(separator: "; "))); fix the plugin and upload a new version"
                )
            }
            // Load first: a connector that cannot be served does not go Live.
            let loaded = state.host.plugin(named: entry.name)
            try await CatalogueServing.serve(entry, state: state)
            do throws(ConnectorHostError) {
                return try await state.registry.transition(id: id, to: status, scope: scope, by: principal)
            } catch {
                if loaded == nil { try? await state.host.unload(named: entry.name) }
                throw error
            }
        case .retired where entry.status.next == .retired:
            let retired = try await state.registry.transition(id: id, to: status, scope: scope, by: principal)
            if state.host.plugin(named: entry.name)?.fileSHA256 == entry.fileSHA256, !state.development {
                try? await state.host.unload(named: entry.name)
                // Another Live version of the name, if there is one, serves again.
                await CatalogueServing.restore(state: state)
            }
            return retired
        default:
            // Not the next step: the registry refuses it, saying which step is.
            return try await state.registry.transition(id: id, to: status, scope: scope, by: principal)
        }
    }
}
