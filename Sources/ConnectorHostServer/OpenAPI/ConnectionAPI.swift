import OpenAPIKit30

/// Saved connections, as `ConnectionRoutes` answers them.
enum ConnectionAPI {
    static var endpoints: [APIEndpoint] {
        let id = APISchema.path("id", "The connection's ID")
        let settings = JSONSchema.array(items: APISchema.ref("SessionSetting"))
        let connection = APIEndpoint.Success.json("The connection; sensitive values masked", APISchema.ref("SavedConnection"))
        return [
            APIEndpoint(
                .get, "/connections", id: "listConnections", tag: "connections",
                summary: "The connections the caller's org saved (admin: every org's); sensitive values masked",
                success: .json("The connections", APISchema.object(["connections": .array(items: APISchema.ref("SavedConnection"))]))
            ),
            APIEndpoint(
                .post, "/connections", id: "createConnection", tag: "connections",
                summary: "Save a connector's settings for the org, sealed at rest; calls name it in the connector-connection header",
                body: APISchema.body(.object(properties: [
                    "org": .string(required: false, description: "The owning org; an org token's own when absent (the admin names one)"),
                    "connector": .string(description: "The connector's name", minLength: 1),
                    "name": .string(minLength: 1, maxLength: 128),
                    "version": .string(required: false, description: "The version the settings are for; the one serving when absent"),
                    "settings": settings,
                ])),
                success: .json("The connection; sensitive values masked", APISchema.ref("SavedConnection"), status: 201),
                errors: [404, 409]
            ),
            APIEndpoint(
                .get, "/connections/{id}", id: "getConnection", tag: "connections", summary: "One connection; sensitive values masked",
                parameters: [id], success: connection, errors: [404]
            ),
            APIEndpoint(
                .put, "/connections/{id}", id: "updateConnection", tag: "connections",
                summary: "Move a connection to another version of its connector, or replace its settings",
                parameters: [id],
                body: APISchema.body(.object(properties: [
                    "version": .string(required: false), "settings": .array(required: false, items: APISchema.ref("SessionSetting")),
                ])),
                success: connection, errors: [404]
            ),
            APIEndpoint(
                .delete, "/connections/{id}", id: "deleteConnection", tag: "connections", summary: "Delete a connection",
                parameters: [id], success: .json("Deleted", APISchema.object(["deleted": APISchema.constant(true)])), errors: [404]
            ),
        ]
    }

    static var schemas: OpenAPI.ComponentDictionary<JSONSchema> {
        [
            "SavedConnection": APISchema.object([
                "id": .string, "org": .string, "connector": .string, "version": .string, "name": .string,
                "settings": .array(items: APISchema.ref("SessionSetting")),
                "createdAt": .string(format: .dateTime), "updatedAt": .string(format: .dateTime),
            ]),
        ]
    }
}
