import OpenAPIKit30

/// Shorthands for the schemas and parameters of the endpoint tables.
enum APISchema {
    static func ref(_ name: String, required: Bool = true) -> JSONSchema {
        .reference(.component(named: name), required: required)
    }

    /// An object whose listed properties are all present; extra members are
    /// ignored on input (the decoders do not reject them).
    static func object(_ properties: OrderedDictionary<String, JSONSchema>, description: String? = nil) -> JSONSchema {
        .object(description: description, properties: properties)
    }

    static func string(_ description: String? = nil, required: Bool = true) -> JSONSchema {
        .string(required: required, description: description)
    }

    static func oneOf(_ values: [String], required: Bool = true) -> JSONSchema {
        .string(required: required, allowedValues: values.map { AnyCodable($0) })
    }

    static func constant(_ value: Bool) -> JSONSchema {
        .boolean(allowedValues: [AnyCodable(value)])
    }

    static func path(_ name: String, _ description: String, pattern: String? = nil) -> OpenAPI.Parameter {
        OpenAPI.Parameter(
            name: name, context: .path, schema: .string(minLength: 1, pattern: pattern), description: description
        )
    }

    static func query(_ name: String, _ schema: JSONSchema, _ description: String? = nil) -> OpenAPI.Parameter {
        OpenAPI.Parameter(name: name, context: .query(required: false), schema: schema, description: description)
    }

    /// A JSON request body.
    static func body(_ schema: JSONSchema, required: Bool = true) -> OpenAPI.Request {
        OpenAPI.Request(content: [.json: .init(schema: schema)], required: required)
    }
}
