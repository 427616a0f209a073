import Foundation
import Yams

/// A draft connector document from an OpenAPI 3.0 or 3.1 description:
/// operations from paths and methods, parameters with location, type,
/// required and default (a JSON request body's properties become body
/// parameters), auth from `securitySchemes`, response schemas from each
/// operation's 2xx JSON response. What cannot be carried over is said in
/// ``Draft/notes``; the draft is checked as a document would be.
public enum OpenAPIImport {
    /// A connector document drafted from an OpenAPI description, with what the import could not carry over.
    public struct Draft: Sendable {
        /// The connector document, YAML.
        public var yaml: String
        /// What the import left out or guessed, one sentence each.
        public var notes: [String]
        /// What must be fixed before the draft serves (`ConnectorDocument.problems(inFileAt:)`).
        public var problems: [String]
    }

    private static let methods = ["get", "post", "put", "delete", "patch"]

    /// Drafts a connector document from the OpenAPI 3 description in a JSON
    /// (`.json`) or YAML file.
    ///
    /// - Throws: `not_found` for an unreadable file; `invalid_request` for
    ///   one that is not an OpenAPI 3 description.
    public static func draft(fromFileAt path: String) throws(ConnectorHostError) -> Draft {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.notFound, "\(path): cannot read the file")
        }
        return try draft(from: String(decoding: data, as: UTF8.self), source: path)
    }

    /// A draft from the text of a description (JSON or YAML).
    ///
    /// - Parameters:
    ///   - text: The OpenAPI 3 description.
    ///   - source: Where the text came from, for messages.
    /// - Throws: `invalid_request` for text that is not an OpenAPI 3 description.
    public static func draft(from text: String, source: String) throws(ConnectorHostError) -> Draft {
        let root: JSONValue
        if let json = try? JSONValue(parsing: Array(text.utf8)) {
            root = json
        } else {
            do {
                root = try JSONValue(yamlText: text)
            } catch {
                throw ConnectorHostError(.invalidRequest, "\(source): neither JSON nor YAML: \(error.message)")
            }
        }
        guard let version = root["openapi"]?.stringValue, version.hasPrefix("3.") else {
            throw ConnectorHostError(
                .invalidRequest, "\(source): not an OpenAPI 3 description (no \"openapi: 3.x\"; Swagger 2.0 is not read)"
            )
        }
        var importer = Importer(root: root)
        let document = importer.document()
        let yaml: String
        do {
            yaml = try Yams.serialize(node: document)
        } catch {
            throw ConnectorHostError(.invalidRequest, "\(source): the draft cannot be written as YAML: \(error)")
        }
        let problems: [String]
        do {
            _ = try ConnectorDocument.read(Array(yaml.utf8), source: "draft")
            problems = []
        } catch {
            problems = [error.message]
        }
        return Draft(yaml: yaml, notes: importer.notes, problems: problems)
    }

    /// Walks the description, keeping notes.
    private struct Importer {
        let root: JSONValue
        var notes: [String] = []

        /// A local `$ref` followed (to a bounded depth: references may loop).
        func resolved(_ value: JSONValue?, depth: Int = 0) -> JSONValue? {
            guard let value, depth < 16 else { return value }
            guard let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
            var target: JSONValue? = root
            for part in reference.dropFirst(2).split(separator: "/") {
                target = target?[String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
            }
            return resolved(target, depth: depth + 1)
        }

        /// A schema with every local reference inside it followed, for a response schema.
        func inlined(_ schema: JSONValue?, depth: Int = 0) -> JSONValue? {
            guard let schema = resolved(schema), depth < 8 else { return nil }
            switch schema {
            case .object(let members):
                var result: [String: JSONValue] = [:]
                for (key, member) in members {
                    if let inner = inlined(member, depth: depth + 1) { result[key] = inner }
                }
                return .object(result)
            case .array(let elements):
                return .array(elements.compactMap { inlined($0, depth: depth + 1) })
            default:
                return schema
            }
        }

        mutating func document() -> Node {
            let info = root["info"]
            let title = info?["title"]?.stringValue ?? "Imported API"
            var version = info?["version"]?.stringValue ?? "1.0.0"
            if !DocumentReader.isSemanticVersion(version) {
                notes.append("info.version \"\(version)\" is not a semantic version; the draft says 1.0.0")
                version = "1.0.0"
            }
            var fields: [(String, Node)] = [("name", Self.text(title))]
            if let description = info?["description"]?.stringValue { fields.append(("description", Self.text(description))) }
            if let server = root["servers"]?[0]?["url"]?.stringValue, server.hasPrefix("http") {
                fields.append(("base_url", Self.text(server)))
            } else {
                notes.append("no absolute servers[0].url: set base_url")
                fields.append(("base_url", Self.text("")))
            }
            fields.append(("version", Self.text(version)))
            fields += auth()
            fields.append(("operations", .sequence(Node.Sequence(operations()))))
            return mapping(fields)
        }

        /// The auth the description's security asks for (the first scheme).
        mutating func auth() -> [(String, Node)] {
            let schemes = root["components"]?["securitySchemes"]?.objectValue ?? [:]
            let required = root["security"]?[0]?.objectValue?.keys.sorted().first
            guard let name = required ?? schemes.keys.sorted().first, let scheme = resolved(schemes[name]) else {
                return [("auth_type", Self.text("none"))]
            }
            if schemes.count > 1 { notes.append("\(schemes.count) security schemes; the draft uses \"\(name)\"") }
            func credential(_ field: String, _ label: String, secret: Bool) -> (Node, Node) {
                var properties: [(String, Node)] = [("label", Self.text(label)), ("type", Self.text(secret ? "password" : "string"))]
                properties.append(("required", Node("true", Tag(.bool))))
                if secret { properties.append(("sensitive", Node("true", Tag(.bool)))) }
                return (Node(field), mapping(properties))
            }
            switch (scheme["type"]?.stringValue, scheme["scheme"]?.stringValue?.lowercased(), scheme["in"]?.stringValue) {
            case ("apiKey", _, "header"), ("apiKey", _, "query"):
                let placement = scheme["in"]?.stringValue == "header" ? "header_name" : "query_name"
                return [("auth_type", Self.text("api_key")), (placement, Self.text(scheme["name"]?.stringValue ?? "api_key")),
                        ("credential_schema", .mapping(Node.Mapping([credential("api_key", "API key", secret: true)])))]
            case ("http", "basic", _):
                return [("auth_type", Self.text("basic")), ("credential_schema", .mapping(Node.Mapping([
                    credential("username", "User name", secret: false), credential("password", "Password", secret: true),
                ])))]
            case ("http", "bearer", _):
                return [("auth_type", Self.text("bearer")),
                        ("credential_schema", .mapping(Node.Mapping([credential("token", "Token", secret: true)])))]
            case ("oauth2", _, _):
                let flows = scheme["flows"]
                let (grant, flow) = flows?["clientCredentials"].map { ("client_credentials", $0) }
                    ?? flows?["authorizationCode"].map { ("authorization_code", $0) } ?? ("client_credentials", .null)
                var fields: [(String, Node)] = [("auth_type", Self.text("oauth2")), ("grant_type", Self.text(grant))]
                if let tokenURL = flow["tokenUrl"]?.stringValue { fields.append(("token_url", Self.text(tokenURL))) }
                let scopes = flow["scopes"]?.objectValue?.keys.sorted() ?? []
                if !scopes.isEmpty { fields.append(("scopes", Self.text(scopes.joined(separator: " ")))) }
                var credentials = [credential("client_id", "Client ID", secret: false), credential("client_secret", "Client secret", secret: true)]
                if grant == "authorization_code" { credentials.append(credential("refresh_token", "Refresh token", secret: true)) }
                fields.append(("credential_schema", .mapping(Node.Mapping(credentials))))
                return fields
            default:
                notes.append("security scheme \"\(name)\" (\(scheme["type"]?.stringValue ?? "?")) has no builder equivalent; the draft says auth_type none")
                return [("auth_type", Self.text("none"))]
            }
        }

        mutating func operations() -> [Node] {
            var result: [Node] = []
            var names: Set<String> = []
            let paths = root["paths"]?.objectValue ?? [:]
            for path in paths.keys.sorted() {
                guard let item = resolved(paths[path]) else { continue }
                for method in OpenAPIImport.methods {
                    guard let operation = item[method] else { continue }
                    var name = Self.identifier(operation["operationId"]?.stringValue ?? "\(method)_\(path)")
                    while !names.insert(name).inserted { name += "_" }
                    var fields: [(String, Node)] = [("name", Self.text(name))]
                    if let summary = operation["summary"]?.stringValue { fields.append(("display_name", Self.text(summary))) }
                    if let description = operation["description"]?.stringValue { fields.append(("description", Self.text(description))) }
                    fields += [("method", Self.text(method.uppercased())), ("path", Self.text(path))]
                    let declared = (item["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? [])
                    var parameters = declared.compactMap { parameter($0, operation: name) }
                    parameters += bodyParameters(operation["requestBody"], operation: name)
                    if !parameters.isEmpty { fields.append(("parameters", .sequence(Node.Sequence(parameters)))) }
                    if let schema = responseSchema(operation) { fields.append(("response_schema", node(schema))) }
                    result.append(mapping(fields))
                }
            }
            if result.isEmpty { notes.append("no operation under paths") }
            return result
        }

        mutating func parameter(_ value: JSONValue, operation: String) -> Node? {
            guard let parameter = resolved(value), let name = parameter["name"]?.stringValue,
                let location = parameter["in"]?.stringValue
            else { return nil }
            guard ["query", "path", "header"].contains(location) else {
                notes.append("\(operation): parameter \"\(name)\" in \(location) has no builder equivalent; left out")
                return nil
            }
            let schema = resolved(parameter["schema"])
            var fields: [(String, Node)] = [("name", Self.text(name)), ("location", Self.text(location)),
                                            ("type", Self.text(kind(of: schema, operation: operation, parameter: name)))]
            if parameter["required"]?.boolValue == true || location == "path" { fields.append(("required", Node("true", Tag(.bool)))) }
            if let value = schema?["default"] { fields.append(("default", node(value))) }
            if let description = parameter["description"]?.stringValue { fields.append(("description", Self.text(description))) }
            return mapping(fields)
        }

        /// A JSON request body's top-level properties, as body parameters.
        mutating func bodyParameters(_ value: JSONValue?, operation: String) -> [Node] {
            guard let body = resolved(value) else { return [] }
            guard let schema = resolved(body["content"]?["application/json"]?["schema"]) else {
                notes.append("\(operation): a request body that is not application/json is left out")
                return []
            }
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let properties = schema["properties"]?.objectValue ?? [:]
            return properties.keys.sorted().map { name in
                let property = resolved(properties[name])
                var fields: [(String, Node)] = [("name", Self.text(name)), ("location", Self.text("body")),
                                                ("type", Self.text(kind(of: property, operation: operation, parameter: name)))]
                if required.contains(name) { fields.append(("required", Node("true", Tag(.bool)))) }
                if let description = property?["description"]?.stringValue { fields.append(("description", Self.text(description))) }
                return mapping(fields)
            }
        }

        func responseSchema(_ operation: JSONValue) -> JSONValue? {
            let responses = operation["responses"]?.objectValue ?? [:]
            for code in responses.keys.sorted() where code.hasPrefix("2") {
                if let schema = resolved(responses[code])?["content"]?["application/json"]?["schema"] {
                    return inlined(schema)
                }
            }
            return nil
        }

        /// The builder's type for a schema: string, number, integer or boolean.
        mutating func kind(of schema: JSONValue?, operation: String, parameter: String) -> String {
            let type = schema?["type"]?.stringValue ?? schema?["type"]?[0]?.stringValue ?? "string"
            switch type {
            case "integer", "number", "boolean", "string": return type
            default:
                notes.append("\(operation): parameter \"\(parameter)\" is of type \(type); the draft passes it as a string")
                return "string"
            }
        }

        /// An operationId as an operation name: letters, digits and underscores.
        static func identifier(_ text: String) -> String {
            var name = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
            while name.contains("__") { name = name.replacingOccurrences(of: "__", with: "_") }
            name = name.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
            if name.isEmpty || name.first?.isNumber == true { name = "op_" + name }
            return name
        }

        /// Text as YAML that reads back as text, whatever it looks like.
        static func text(_ value: String) -> Node {
            Node(value, Tag(.str), .doubleQuoted)
        }

        func mapping(_ fields: [(String, Node)]) -> Node {
            .mapping(Node.Mapping(fields.map { (Node($0.0), $0.1) }))
        }

        /// A JSON value as YAML, keys sorted.
        func node(_ value: JSONValue) -> Node {
            switch value {
            case .null: Node("null", Tag(.null))
            case .bool(let flag): Node(flag ? "true" : "false", Tag(.bool))
            case .integer(let number): Node(String(number), Tag(.int))
            case .number(let number): Node(String(number), Tag(.float))
            case .string(let text): Node(text, Tag(.str), .doubleQuoted)
            case .array(let elements): .sequence(Node.Sequence(elements.map(node)))
            case .object(let members): mapping(members.keys.sorted().compactMap { key in members[key].map { (key, node($0)) } })
            }
        }
    }
}
