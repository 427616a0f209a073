import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Hummingbird

/// The Obsrv API envelope: `{id, ver, ts, params{status, msgid, resmsgid}, responseCode, result}`.
struct CatalogueEnvelope<Result: Encodable>: Encodable {
    struct Params: Encodable {
        let status: String
        let msgid: String
        let resmsgid: String
        let err: String?
        let errmsg: String?
    }

    let id: String
    var ver = "v2"
    let ts: String
    let params: Params
    let responseCode: String
    let result: Result

    static func success(api: String, msgid: String?, result: Result) -> CatalogueEnvelope {
        CatalogueEnvelope(
            id: api, ts: CatalogueEnvelope.now(),
            params: Params(status: "SUCCESS", msgid: msgid ?? UUID().uuidString, resmsgid: UUID().uuidString, err: nil, errmsg: nil),
            responseCode: "OK", result: result
        )
    }

    /// Now, as Obsrv writes `ts`: seconds and a numeric offset,
    /// `2024-11-19T09:28:47+00:00`. ISO 8601 formatting writes UTC as `Z`,
    /// which Obsrv's own answers never do.
    static func now() -> String {
        let text = Date().formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return text.hasSuffix("Z") ? String(text.dropLast()) + "+00:00" : text
    }
}

/// An empty `result` of a failed call.
struct EmptyResult: Encodable {}

/// A failed Obsrv call: the API's own error code (e.g. `CONNECTOR_NOT_FOUND`)
/// in `params.err`, the host's message in `params.errmsg`.
enum CatalogueFailure {
    static func error(api: String, code: String, _ error: ConnectorHostError, msgid: String? = nil) -> APIError {
        let responseCode: String =
            switch error.code {
            case .notFound: "NOT_FOUND"
            case .unauthorized: "UNAUTHORIZED"
            case .conflict: "CONFLICT"
            case .unavailable, .pluginCrashed, .timeout: "SERVICE_UNAVAILABLE"
            default: "CLIENT_ERROR"
            }
        let envelope = CatalogueEnvelope(
            id: api, ts: CatalogueEnvelope<EmptyResult>.now(),
            params: .init(status: "FAILED", msgid: msgid ?? UUID().uuidString, resmsgid: UUID().uuidString,
                          err: error.code == .unauthorized ? "UNAUTHORIZED" : code, errmsg: error.restMessage),
            responseCode: responseCode, result: EmptyResult()
        )
        return APIError(status: error.code.httpStatus, body: envelope)
    }
}

/// A catalogue entry as the Obsrv API shows it. `connector_id` is the
/// connector's identifier, as in Obsrv (`postgres-connector` of
/// `postgres-connector-1.0.0`): here its name, which every version shares.
/// The Jitterbit registration it belongs to is `registration_id`; `name` is
/// the one a distribution's `metadata.json` gives it, or else its identifier.
struct CatalogueEntryView: Encodable {
    let id: String
    let connector_id: String
    let registration_id: String
    let name: String
    let type: String?
    let category: String?
    let version: String
    let description: String?
    let licence: String?
    let owner: String?
    let iconurl: String?
    let status: String
    let scope: String?
    let ui_spec: JSONValue?
    let created_by: String
    let updated_by: String
    let created_date: String
    let updated_date: String
    let live_date: String?
    let validation_report: JSONValue?

    init(_ entry: CatalogueEntry) {
        id = entry.id
        connector_id = entry.name
        registration_id = entry.connectorId
        name = entry.metadata.displayName ?? entry.name
        type = entry.metadata.type
        category = entry.metadata.category
        version = entry.version
        description = entry.metadata.description
        licence = entry.metadata.licence
        owner = entry.metadata.owner
        iconurl = entry.metadata.iconURL
        status = entry.status.rawValue
        scope = entry.scope?.rawValue
        ui_spec = entry.metadata.uiSpec.map(Self.uiSpec)
        created_by = entry.createdBy
        updated_by = entry.updatedBy
        created_date = entry.createdDate
        updated_date = entry.updatedDate
        live_date = entry.liveDate
        validation_report = entry.validationReport.flatMap { try? JSONValue(parsing: Array($0.utf8)) }
    }

    /// Obsrv's `ui_spec` is `{"schema": JSON Schema, "properties": UI hints}`.
    /// A plugin's manifest (a bare `.so`) or a distribution's `ui-config.json`
    /// may hold the JSON Schema alone: it is wrapped. A spec that is not JSON
    /// is shown as the text it is.
    static func uiSpec(_ text: String) -> JSONValue {
        guard let spec = try? JSONValue(parsing: Array(text.utf8)) else { return .string(text) }
        guard case .object(let members) = spec, members["schema"] == nil else { return spec }
        return .object(["schema": spec, "properties": .object([:])])
    }

    // Absent values are written as null, as Obsrv does.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id, forKey: .id)
        try container.encode(connector_id, forKey: .connector_id)
        try container.encode(registration_id, forKey: .registration_id)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(category, forKey: .category)
        try container.encode(version, forKey: .version)
        try container.encode(description, forKey: .description)
        try container.encode(licence, forKey: .licence)
        try container.encode(owner, forKey: .owner)
        try container.encode(iconurl, forKey: .iconurl)
        try container.encode(status, forKey: .status)
        try container.encode(scope, forKey: .scope)
        try container.encode(ui_spec, forKey: .ui_spec)
        try container.encode(created_by, forKey: .created_by)
        try container.encode(updated_by, forKey: .updated_by)
        try container.encode(created_date, forKey: .created_date)
        try container.encode(updated_date, forKey: .updated_date)
        try container.encode(live_date, forKey: .live_date)
        try container.encodeIfPresent(validation_report, forKey: .validation_report)
    }

    enum Key: String, CodingKey {
        case id, connector_id, registration_id, name, type, category, version, description, licence, owner, iconurl, status, scope
        case ui_spec, created_by, updated_by, created_date, updated_date, live_date, validation_report
    }
}
