import OpenAPIKit30

/// The Obsrv-compatible catalogue routes, as `CatalogueRoutes` answers them:
/// every answer in the `{id, ver, ts, params, responseCode, result}` envelope.
enum CatalogueAPI {
    static let statuses = ["Draft", "InValidation", "Live", "Retired"]

    static var endpoints: [APIEndpoint] {
        // A catalogue ID is always NAME-VERSION, so it is never the literal
        // "read" of the read route.
        let id = APISchema.path("id", "The catalogue ID, NAME-VERSION (e.g. jira-1.0.0)", pattern: "^.+-.+$")
        return [
            APIEndpoint(
                .post, "/v2/connector/register", id: "uploadConnector", tag: "catalogue",
                summary: "Upload a distribution (.so, .tar.gz with metadata.json, or a connector document); recorded as Draft",
                body: OpenAPI.Request(
                    content: [.multipartForm: .init(schema: .object(properties: [
                        "file": .string(format: .binary, description: "Exactly one file part, with a file name: a .so, a .tar.gz, or a connector document (NAME.connector.yaml, .yml, .json)"),
                        "icon": .string(
                            format: .binary, required: false,
                            description: "With a connector document: the PNG or SVG file its icon field names (at most 64 KiB)"
                        ),
                    ]))],
                    required: true
                ),
                success: .json("Stored, scanned, checked against its registration and recorded as Draft", envelope(
                    "api.connector.register",
                    APISchema.object([
                        "message": APISchema.oneOf(["connector registered successfully."]),
                        "id": .string, "status": APISchema.oneOf(statuses),
                    ])
                )),
                errors: [404, 409, 422, 502, 504], shape: .catalogue
            ),
            APIEndpoint(
                .get, "/v2/connectors/read/{id}", id: "readConnector", tag: "catalogue",
                summary: "One catalogue entry: a connector's Live version, or with mode=edit the one being edited",
                parameters: [
                    APISchema.path(
                        "id",
                        "The connector_id (the connector's name): its Live version, or with mode=edit its newest Draft or InValidation version; or a catalogue ID, NAME-VERSION: that version"
                    ),
                    APISchema.query("mode", APISchema.oneOf(["edit"], required: false), "edit: the version being edited"),
                ],
                success: .json("The entry", envelope("api.connectors.read", APISchema.ref("CatalogueEntry"))),
                errors: [400, 404], shape: .catalogue
            ),
            APIEndpoint(
                .post, "/v2/connectors/list", id: "listConnectors", tag: "catalogue",
                summary: "Catalogue entries filtered by request.filters.status and .category",
                body: APISchema.body(.object(properties: [
                    "params": .object(required: false, nullable: true, properties: [
                        "msgid": .string(required: false, nullable: true, description: "Echoed in params.msgid"),
                    ]),
                    "request": .object(required: false, nullable: true, properties: [
                        "filters": .object(required: false, nullable: true, properties: [
                            "status": .array(required: false, nullable: true, items: APISchema.oneOf(statuses)),
                            "category": .array(required: false, nullable: true, items: .string),
                        ]),
                    ]),
                ])),
                success: .json("The entries the caller may see", envelope("api.connectors.list", APISchema.object([
                    "data": .array(items: APISchema.ref("CatalogueEntry")),
                    "count": .integer(minimum: (0, exclusive: false)),
                ]))),
                shape: .catalogue
            ),
            APIEndpoint(
                .post, "/v2/connectors/{id}/status", id: "moveConnector", tag: "catalogue",
                summary: "Move a connector: Draft → InValidation → Live (with a scope) → Retired",
                description: "One step at a time. InValidation runs the conformance kit with `credentials`; Live needs a passed report, and scope `catalogue` needs the admin.",
                parameters: [id],
                body: APISchema.body(APISchema.object([
                    "request": .object(properties: [
                        "status": APISchema.oneOf(statuses),
                        "scope": .string(required: false, nullable: true, allowedValues: ["catalogue", "org"]),
                        "credentials": .array(
                            required: false, nullable: true,
                            description: "With InValidation: the session settings the conformance kit tests with",
                            items: APISchema.ref("SessionSetting")
                        ),
                    ]),
                ])),
                success: .json("The entry after the move", envelope("api.connectors.status", APISchema.ref("CatalogueEntry"))),
                errors: [404, 409, 422, 502, 504], shape: .catalogue
            ),
        ]
    }

    /// A successful answer's envelope around `result`.
    static func envelope(_ api: String, _ result: JSONSchema) -> JSONSchema {
        APISchema.object([
            "id": APISchema.oneOf([api]),
            "ver": APISchema.oneOf(["v2"]),
            "ts": .string(format: .dateTime, description: "Seconds and a numeric offset, e.g. 2024-11-19T09:28:47+00:00"),
            "params": APISchema.object([
                "status": APISchema.oneOf(["SUCCESS"]),
                "msgid": .string(description: "The request's params.msgid, or a new one"),
                "resmsgid": .string,
            ]),
            "responseCode": APISchema.oneOf(["OK"]),
            "result": result,
        ])
    }

    static var schemas: OpenAPI.ComponentDictionary<JSONSchema> {
        let text = JSONSchema.string(nullable: true)
        return [
            "CatalogueEntry": .object(
                description: "A catalogue entry as Obsrv shows it; absent values are null",
                properties: [
                    "id": APISchema.string("NAME-VERSION"),
                    "connector_id": APISchema.string("The connector's identifier, its name, which every version shares"),
                    "registration_id": APISchema.string("The registration (Jitterbit ID) the plugin's key and secret belong to"),
                    "name": APISchema.string("The name a distribution's metadata.json gives it, or else connector_id"), "type": text, "category": text, "version": .string, "description": text,
                    "licence": text, "owner": text, "iconurl": text,
                    "status": APISchema.oneOf(statuses),
                    "scope": .string(nullable: true, allowedValues: ["catalogue", "org"]),
                    "ui_spec": .fragment(nullable: true, description: "{schema: JSON Schema of the session settings (fields marked encrypt), properties: UI hints}, a bare schema wrapped so; the text itself when it is not JSON"),
                    "created_by": .string, "updated_by": .string,
                    "created_date": .string(format: .dateTime), "updated_date": .string(format: .dateTime),
                    "live_date": .string(format: .dateTime, nullable: true),
                    "validation_report": .object(required: false, description: "The conformance kit's report, once InValidation ran it"),
                ]
            ),
        ]
    }
}
