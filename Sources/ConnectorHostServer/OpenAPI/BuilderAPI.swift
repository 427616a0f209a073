import OpenAPIKit30

/// The Connector Builder's API, as `BuilderRoutes` answers it.
enum BuilderAPI {
    static var endpoints: [APIEndpoint] {
        let id = APISchema.path("id", "The draft's ID")
        // Exactly one of the two: a body with both matches both, which oneOf refuses.
        let documentBody = APISchema.body(.one(of: [
            .object(properties: ["document": .fragment(.init(description: "The connector document as JSON, valid or not"))]),
            .object(properties: ["yaml": .string(description: "The connector document as YAML text")]),
        ]))
        let draft = APIEndpoint.Success.json("The draft", APISchema.ref("BuilderDraft"))
        let testCredentials = JSONSchema.object(
            required: false, nullable: true, description: "Test credentials by field name; used for this request only",
            additionalProperties: .init(.string)
        )
        return [
            APIEndpoint(
                .get, "/builder/drafts", id: "listDrafts", tag: "builder", summary: "The drafts the caller's org may see (admin: all)",
                success: .json("The drafts, newest change first", APISchema.object(["drafts": .array(items: APISchema.ref("BuilderDraft"))]))
            ),
            APIEndpoint(
                .post, "/builder/drafts", id: "createDraft", tag: "builder",
                summary: "Save a new draft; an invalid document is saved with its problems by field path",
                body: documentBody, success: .json("The draft", APISchema.ref("BuilderDraft"), status: 201)
            ),
            APIEndpoint(
                .get, "/builder/drafts/{id}", id: "getDraft", tag: "builder", summary: "One draft", parameters: [id],
                success: draft, errors: [404]
            ),
            APIEndpoint(
                .put, "/builder/drafts/{id}", id: "updateDraft", tag: "builder",
                summary: "Replace a draft's document; tests passed stay tied to the definitions they tested",
                parameters: [id], body: documentBody, success: draft, errors: [404]
            ),
            APIEndpoint(
                .delete, "/builder/drafts/{id}", id: "deleteDraft", tag: "builder",
                summary: "Delete a draft that published nothing (a published one keeps its history)", parameters: [id],
                success: .json("Deleted", APISchema.object(["deleted": APISchema.constant(true)])), errors: [404, 409]
            ),
            APIEndpoint(
                .post, "/builder/drafts/{id}/test", id: "testDraftOperation", tag: "builder",
                summary: "Send one operation's request with test credentials that are never stored; a pass is kept as an example",
                parameters: [id],
                body: APISchema.body(.object(properties: [
                    "operation": .string,
                    "parameters": .object(required: false, nullable: true, description: "The operation's parameters by name"),
                    "credentials": testCredentials,
                ])),
                success: .json("The test panel", APISchema.object([
                    "result": APISchema.ref("OperationTestResult"),
                    "passed": .boolean,
                    "kept": .boolean(description: "Whether the exchange was kept as the example of this definition"),
                ])),
                errors: [404, 422]
            ),
            APIEndpoint(
                .post, "/builder/drafts/{id}/retest", id: "retestDraft", tag: "builder",
                summary: "Run every operation again with the parameters of its newest kept example and these test credentials (never stored)",
                parameters: [id],
                body: APISchema.body(.object(properties: [
                    "credentials": testCredentials,
                ])),
                success: .json("Each operation's outcome", APISchema.object([
                    "results": .array(items: .object(properties: [
                        "operation": .string,
                        "parameters": .object(required: false, description: "Absent: the operation has no kept example yet"),
                        "outcome": .object(required: false, properties: [
                            "result": APISchema.ref("OperationTestResult"), "passed": .boolean, "kept": .boolean,
                        ]),
                        "exampleStatus": .integer(required: false),
                    ])),
                    "untestedOperations": .array(items: .string),
                ])),
                errors: [404, 422]
            ),
            APIEndpoint(
                .post, "/builder/drafts/{id}/publish", id: "publishDraft", tag: "builder",
                summary: "Publish a new version: every operation must have passed a test with its current definition; the version must be greater than the last; the slug is fixed by the first publication; scope catalogue is the admin's",
                parameters: [id],
                body: APISchema.body(.object(properties: [
                    "version": .string(description: "A semantic version greater than every version published from this draft"),
                    "scope": .string(allowedValues: ["org", "catalogue"]),
                    "changelog": .string(description: "One line: what changed", minLength: 1, maxLength: 500),
                    "org": .string(required: false, description: "The owning org of an admin's draft"),
                ])),
                success: .json("The publication", APISchema.ref("BuilderPublication"), status: 201),
                errors: [404, 409, 422]
            ),
            APIEndpoint(
                .get, "/builder/drafts/{id}/publications", id: "listPublications", tag: "builder",
                summary: "Every version published from a draft, oldest first", parameters: [id],
                success: .json("The publications", APISchema.object(["publications": .array(items: APISchema.ref("BuilderPublication"))])),
                errors: [404]
            ),
            APIEndpoint(
                .post, "/builder/documents/yaml", id: "renderDocument", tag: "builder",
                summary: "A document as YAML (from JSON) or as JSON (from YAML), with its problems",
                body: documentBody,
                success: .json("Both forms and the problems", APISchema.object([
                    "document": .fragment(.init(description: "The document as JSON")), "yaml": .string,
                    "problems": .array(items: .string),
                ]))
            ),
            APIEndpoint(
                .post, "/builder/imports/openapi", id: "importOpenAPI", tag: "builder",
                summary: "A draft document from an OpenAPI 3.0 or 3.1 description (JSON or YAML text)",
                body: APISchema.body(APISchema.object(["text": APISchema.string("The description")])),
                success: .json("The draft document, what the import left out, and its problems", APISchema.object([
                    "document": .fragment(.init(description: "The document as JSON")), "yaml": .string,
                    "notes": .array(items: .string), "problems": .array(items: .string),
                ]))
            ),
        ]
    }

    static var schemas: OpenAPI.ComponentDictionary<JSONSchema> {
        [
            "BuilderDraft": APISchema.object([
                "id": .string,
                "org": .string(nullable: true, description: "null for an admin's draft"),
                "document": .fragment(.init(description: "The document as saved, valid or not")),
                "yaml": .string,
                "problems": .array(items: .string(description: "`field.path: what is wrong`")),
                "createdAt": .string(format: .dateTime),
                "updatedAt": .string(format: .dateTime),
                "passedTests": .array(items: APISchema.object([
                    "operation": .string, "definitionSHA256": .string, "passedAt": .string(format: .dateTime),
                    "example": .fragment(.init(description: "The exchange, secrets removed")),
                ])),
                "untestedOperations": .array(items: .string(description: "Operations with no passing test of their current definition")),
            ]),
            "BuilderPublication": APISchema.object([
                "draftId": .string, "version": .string, "slug": .string, "org": .string,
                "scope": .string(allowedValues: ["org", "catalogue"]), "changelog": .string, "catalogueId": .string,
                "document": .fragment(.init(description: "The document as published, without its registration")),
                "examples": .array(items: .fragment(.init(description: "A passing exchange, secrets removed"))),
                "publishedBy": .string, "publishedAt": .string(format: .dateTime),
            ]),
            "OperationTestResult": .object(properties: [
                "operation": .string,
                "request": .object(required: false, properties: [
                    "method": .string, "url": .string, "headers": .object(additionalProperties: .init(.string)),
                    "body": .fragment(.init(required: false)),
                ]),
                "status": .integer(required: false),
                "headers": .object(additionalProperties: .init(.string)),
                "body": .fragment(.init(required: false)),
                "seconds": .number,
                "schemaMismatches": .array(required: false, items: .string),
                "error": .object(required: false),
            ]),
        ]
    }
}
