import Foundation
import Yams

extension ConnectorDocument {
    /// Reads and checks a connector document file (YAML, or JSON for `.json`).
    ///
    /// - Throws: `not_found` when the file cannot be read; `manifest_invalid`
    ///   listing every problem with where it is (`operations[2].method: …`).
    public static func load(path: String) throws(ConnectorHostError) -> ConnectorDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.notFound, "\(path): cannot read the file")
        }
        return try read(Array(data), source: path, json: path.hasSuffix(".json"))
    }

    /// Every problem of a connector document file, each with where it is;
    /// empty for a valid document.
    ///
    /// - Throws: `not_found` when the file cannot be read.
    public static func problems(inFileAt path: String) throws(ConnectorHostError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.notFound, "\(path): cannot read the file")
        }
        return check(Array(data), json: path.hasSuffix(".json")).problems
    }

    /// Reads and checks a connector document.
    ///
    /// - Parameters:
    ///   - bytes: The document's text.
    ///   - source: Where it came from, for messages.
    ///   - json: Read it as JSON rather than YAML.
    public static func read(_ bytes: [UInt8], source: String, json: Bool = false) throws(ConnectorHostError)
        -> ConnectorDocument
    {
        let (document, problems) = check(bytes, json: json)
        guard let document, problems.isEmpty else {
            let label = problems.count == 1 ? "invalid connector document" : "invalid connector document (\(problems.count) problems)"
            throw ConnectorHostError(.manifestInvalid, "\(source): \(label): " + problems.joined(separator: "; "))
        }
        return document
    }

    /// The document, and every problem found reading it.
    private static func check(_ bytes: [UInt8], json: Bool) -> (document: ConnectorDocument?, problems: [String]) {
        let value: JSONValue
        if json {
            do {
                value = try JSONValue(parsing: bytes)
            } catch {
                return (nil, ["(document): not a JSON document"])
            }
        } else {
            guard let text = String(validating: bytes, as: UTF8.self) else { return (nil, ["(document): not UTF-8 text"]) }
            do {
                value = try JSONValue(yamlText: text)
            } catch {
                return (nil, ["(document): \(error.message)"])
            }
        }
        return read(value)
    }


    /// The document, and every problem found reading it.
    package static func read(_ document: JSONValue) -> (document: ConnectorDocument?, problems: [String]) {
        var reader = DocumentReader()
        let read = reader.document(document)
        return (read, read == nil && reader.problems.isEmpty ? ["(document): not a connector document"] : reader.problems)
    }

    /// The slug a name gives: lowercase ASCII letters and digits, single dashes between words.
    public static func slug(of name: String) -> String {
        var slug = ""
        var dash = false
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                if dash, !slug.isEmpty { slug.append("-") }
                slug.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
        }
        return slug
    }
}

/// Walks a document, keeping every problem with its path.
package struct DocumentReader {
    var problems: [String] = []

    mutating func problem(_ path: String, _ message: String) {
        problems.append("\(path): \(message)")
    }

    private static let topLevelFields: Set<String> = [
        "name", "slug", "type", "description", "base_url", "icon", "documentation_url", "version", "auth_type",
        "header_name", "query_name", "key_prefix", "grant_type", "token_url", "scopes", "client_auth",
        "credential_schema", "operations", "entities", "resilience", "registration",
    ]

    mutating func document(_ value: JSONValue) -> ConnectorDocument? {
        guard let root = value.objectValue else {
            problem("(document)", "must be a mapping of the builder's fields, got a \(value.typeName)")
            return nil
        }
        unknownFields(root, Self.topLevelFields, at: "")
        let name = text(root, "name", at: "", required: true) ?? ""
        var slug = ConnectorDocument.slug(of: name)
        if let given = text(root, "slug", at: "") {
            if given.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) == nil {
                problem("slug", "must be lowercase letters and digits with single dashes between words, got \"\(given)\"")
            }
            slug = given
        } else if !name.isEmpty, slug.isEmpty {
            problem("name", "has no letter or digit to make a slug of; give a slug")
        }
        let type = text(root, "type", at: "") ?? "General"
        if !ConnectorDocument.types.contains(type) {
            problem("type", "must be one of \(ConnectorDocument.types.joined(separator: ", ")), got \"\(type)\"")
        }
        let baseURL = text(root, "base_url", at: "", required: true) ?? ""
        if !baseURL.isEmpty { checkURL(baseURL, at: "base_url") }
        if let documentation = text(root, "documentation_url", at: "") { checkURL(documentation, at: "documentation_url") }
        let icon = text(root, "icon", at: "")
        if let icon, !(icon.lowercased().hasSuffix(".png") || icon.lowercased().hasSuffix(".svg")) {
            problem("icon", "must be a PNG or SVG file, got \"\(icon)\"")
        }
        let version = text(root, "version", at: "") ?? "1.0.0"
        if !Self.isSemanticVersion(version) {
            problem("version", "must be a semantic version such as 1.2.0, got \"\(version)\"")
        }
        let credentials = credentialSchema(root["credential_schema"])
        let auth = auth(root, credentials: credentials)
        let operations = operations(root["operations"])
        let entities = entities(root["entities"], operations: operations)
        let resilience = resilience(root["resilience"])
        let registration = registration(
            root["registration"], slug: slug,
            functions: operations.count + (entities.isEmpty ? 0 : ConnectorDocument.entityOperations.count)
        )
        return ConnectorDocument(
            name: name, slug: slug, type: type, description: text(root, "description", at: ""), baseURL: baseURL,
            icon: icon, documentationURL: text(root, "documentation_url", at: ""), version: version, auth: auth,
            credentials: credentials, operations: operations, entities: entities, resilience: resilience,
            registration: registration
        )
    }

    // MARK: Auth and credentials

    private mutating func auth(_ root: [String: JSONValue], credentials: [ConnectorDocument.CredentialField])
        -> ConnectorDocument.Auth
    {
        let names = Set(credentials.map(\.name))
        func needs(_ fields: [String], for type: String) {
            for field in fields where !names.contains(field) {
                problem("credential_schema", "auth_type \(type) needs a credential field \"\(field)\"")
            }
        }
        func only(_ fields: [String], for type: String) {
            for field in ["header_name", "query_name", "key_prefix", "grant_type", "token_url", "scopes", "client_auth"]
            where root[field] != nil && !fields.contains(field) {
                problem(field, "applies to another auth_type than \(type)")
            }
        }
        let type = text(root, "auth_type", at: "", required: true) ?? "none"
        switch type {
        case "none":
            only([], for: type)
            return .none
        case "api_key":
            only(["header_name", "query_name", "key_prefix"], for: type)
            needs(["api_key"], for: type)
            let header = text(root, "header_name", at: "")
            let query = text(root, "query_name", at: "")
            let prefix = text(root, "key_prefix", at: "") ?? ""
            switch (header, query) {
            case (let header?, nil): return .apiKey(placement: .header(header), prefix: prefix)
            case (nil, let query?): return .apiKey(placement: .query(query), prefix: prefix)
            default:
                problem("auth_type", "api_key needs exactly one of header_name and query_name")
                return .apiKey(placement: .header("X-API-Key"), prefix: prefix)
            }
        case "basic":
            only([], for: type)
            needs(["username", "password"], for: type)
            return .basic
        case "bearer":
            only([], for: type)
            needs(["token"], for: type)
            return .bearer
        case "oauth2":
            only(["grant_type", "token_url", "scopes", "client_auth"], for: type)
            needs(["client_id", "client_secret"], for: type)
            let grantName = text(root, "grant_type", at: "") ?? "client_credentials"
            let grant = ConnectorDocument.OAuth2.Grant(rawValue: grantName)
            if grant == nil {
                problem("grant_type", "must be client_credentials or authorization_code, got \"\(grantName)\"")
            }
            if grant == .authorizationCode { needs(["refresh_token"], for: "oauth2 with authorization_code") }
            let clientAuthName = text(root, "client_auth", at: "") ?? "basic"
            let clientAuth = ConnectorDocument.OAuth2.ClientAuthentication(rawValue: clientAuthName)
            if clientAuth == nil { problem("client_auth", "must be basic or body, got \"\(clientAuthName)\"") }
            let tokenURL = text(root, "token_url", at: "")
            if let tokenURL { checkURL(tokenURL, at: "token_url") }
            if tokenURL == nil, credentials.first(where: { $0.name == "token_url" })?.defaultValue == nil, !names.contains("token_url") {
                problem("token_url", "oauth2 needs a token_url, in the document or as a credential field")
            }
            return .oauth2(ConnectorDocument.OAuth2(
                grant: grant ?? .clientCredentials, tokenURL: tokenURL, scopes: text(root, "scopes", at: ""),
                clientAuthentication: clientAuth ?? .basic
            ))
        default:
            problem("auth_type", "must be one of none, api_key, basic, bearer, oauth2, got \"\(type)\"")
            return .none
        }
    }

    private mutating func credentialSchema(_ value: JSONValue?) -> [ConnectorDocument.CredentialField] {
        guard let value else { return [] }
        guard let fields = value.objectValue else {
            problem("credential_schema", "must map each field's name to its properties, got a \(value.typeName)")
            return []
        }
        var result: [ConnectorDocument.CredentialField] = []
        for name in fields.keys.sorted() {
            let path = "credential_schema.\(name)"
            guard let field = fields[name]?.objectValue else {
                problem(path, "must be a mapping of label, type, required, sensitive, help, default")
                continue
            }
            unknownFields(field, ["label", "type", "required", "sensitive", "help", "default"], at: path)
            let type = text(field, "type", at: path) ?? "string"
            if type != "string", type != "password" { problem("\(path).type", "must be string or password, got \"\(type)\"") }
            let sensitive = flag(field, "sensitive", at: path) ?? (type == "password")
            if type == "password", !sensitive { problem("\(path).sensitive", "a password field is sensitive") }
            result.append(ConnectorDocument.CredentialField(
                name: name, label: text(field, "label", at: path) ?? name, isPassword: type == "password",
                required: flag(field, "required", at: path) ?? false, sensitive: sensitive,
                help: text(field, "help", at: path), defaultValue: text(field, "default", at: path)
            ))
        }
        return result
    }

    // MARK: Operations

    private mutating func operations(_ value: JSONValue?) -> [ConnectorDocument.Operation] {
        guard let value else {
            problem("operations", "is missing: a connector needs at least one operation")
            return []
        }
        guard let list = value.arrayValue else {
            problem("operations", "must be a list, got a \(value.typeName)")
            return []
        }
        if list.isEmpty { problem("operations", "is empty: a connector needs at least one operation") }
        if list.count > ConnectorDocument.maximumOperations {
            problem("operations", "has \(list.count) operations; at most \(ConnectorDocument.maximumOperations) are allowed")
        }
        var seen: Set<String> = []
        var result: [ConnectorDocument.Operation] = []
        for (index, element) in list.enumerated() {
            let path = "operations[\(index)]"
            guard let fields = element.objectValue else {
                problem(path, "must be a mapping, got a \(element.typeName)")
                continue
            }
            unknownFields(
                fields, [
                    "name", "operation", "display_name", "description", "method", "path", "parameters", "response_schema",
                    "idempotent", "pagination",
                ],
                at: path
            )
            // The builder's own examples write `operation: NAME`.
            let name = text(fields, "name", at: path) ?? text(fields, "operation", at: path) ?? ""
            if name.isEmpty {
                problem("\(path).name", "is missing")
            } else if name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil {
                problem("\(path).name", "must be letters, digits and underscores, starting with a letter, got \"\(name)\"")
            } else if !seen.insert(name).inserted {
                problem("\(path).name", "\"\(name)\" is the name of an earlier operation")
            }
            let method = (text(fields, "method", at: path, required: true) ?? "GET").uppercased()
            if !ConnectorDocument.methods.contains(method) {
                problem("\(path).method", "must be one of \(ConnectorDocument.methods.joined(separator: ", ")), got \"\(method)\"")
            }
            let route = text(fields, "path", at: path, required: true) ?? "/"
            if !route.hasPrefix("/") { problem("\(path).path", "must start with /, got \"\(route)\"") }
            let parameters = parameters(fields["parameters"], at: "\(path).parameters")
            checkPlaceholders(route, parameters, at: path)
            var schema: JSONValue?
            if let given = fields["response_schema"] {
                JSONSchemaCheck.problems(inSchema: given, at: "\(path).response_schema").forEach { problems.append($0) }
                schema = given
            }
            let idempotent = flag(fields, "idempotent", at: path) ?? ["GET", "PUT", "DELETE"].contains(method)
            result.append(ConnectorDocument.Operation(
                name: name, displayName: text(fields, "display_name", at: path), description: text(fields, "description", at: path),
                method: method, path: route, parameters: parameters, responseSchema: schema, idempotent: idempotent,
                pagination: fields["pagination"].flatMap { pagination($0, at: "\(path).pagination") }
            ))
        }
        return result
    }

    private mutating func parameters(_ value: JSONValue?, at path: String) -> [ConnectorDocument.Parameter] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            problem(path, "must be a list, got a \(value.typeName)")
            return []
        }
        var seen: Set<String> = []
        var result: [ConnectorDocument.Parameter] = []
        for (index, element) in list.enumerated() {
            let here = "\(path)[\(index)]"
            guard let fields = element.objectValue else {
                problem(here, "must be a mapping, got a \(element.typeName)")
                continue
            }
            unknownFields(fields, ["name", "location", "type", "required", "default", "description"], at: here)
            let name = text(fields, "name", at: here, required: true) ?? ""
            if !name.isEmpty, !seen.insert(name).inserted { problem("\(here).name", "\"\(name)\" is the name of an earlier parameter") }
            let locationName = text(fields, "location", at: here, required: true) ?? "query"
            let location = ConnectorDocument.Parameter.Location(rawValue: locationName)
            if location == nil {
                problem("\(here).location", "must be one of query, path, header, body, got \"\(locationName)\"")
            }
            let kindName = text(fields, "type", at: here) ?? "string"
            let kind = ConnectorDocument.Parameter.ValueKind(rawValue: kindName)
            if kind == nil { problem("\(here).type", "must be one of string, number, integer, boolean, got \"\(kindName)\"") }
            let required = flag(fields, "required", at: here) ?? (location == .path)
            if location == .path, !required { problem("\(here).required", "a path parameter is always required") }
            let defaultValue = fields["default"]
            if let defaultValue, let kind, let mismatch = ConnectorDocument.Parameter.mismatch(defaultValue, kind) {
                problem("\(here).default", mismatch)
            }
            result.append(ConnectorDocument.Parameter(
                name: name, location: location ?? .query, kind: kind ?? .string, required: required,
                defaultValue: defaultValue, description: text(fields, "description", at: here)
            ))
        }
        return result
    }

    private mutating func pagination(_ value: JSONValue, at path: String) -> ConnectorDocument.Pagination? {
        guard let fields = value.objectValue else {
            problem(path, "must be a mapping, got a \(value.typeName)")
            return nil
        }
        unknownFields(fields, [
            "type", "items", "page_size", "max_pages", "offset_parameter", "limit_parameter", "page_parameter", "size_parameter",
            "first_page", "cursor_parameter", "next_cursor",
        ], at: path)
        let items = text(fields, "items", at: path) ?? ""
        if !items.isEmpty, !items.hasPrefix("/") { problem("\(path).items", "must be a JSON pointer such as /results, got \"\(items)\"") }
        let pageSize = fields["page_size"]?.integerValue ?? 50
        if !(1...10_000).contains(pageSize) { problem("\(path).page_size", "must be a whole number from 1 to 10000") }
        let maxPages = fields["max_pages"]?.integerValue ?? 100
        if !(1...10_000).contains(maxPages) { problem("\(path).max_pages", "must be a whole number from 1 to 10000") }
        let style: ConnectorDocument.Pagination.Style
        switch text(fields, "type", at: path, required: true) ?? "" {
        case "offset":
            style = .offset(
                offsetParameter: text(fields, "offset_parameter", at: path) ?? "offset",
                limitParameter: text(fields, "limit_parameter", at: path) ?? "limit"
            )
        case "page":
            style = .page(
                pageParameter: text(fields, "page_parameter", at: path) ?? "page",
                sizeParameter: text(fields, "size_parameter", at: path),
                firstPage: Int(fields["first_page"]?.integerValue ?? 1)
            )
        case "cursor":
            let next = text(fields, "next_cursor", at: path, required: true) ?? ""
            if !next.hasPrefix("/") { problem("\(path).next_cursor", "must be a JSON pointer to the next cursor, such as /next") }
            style = .cursor(cursorParameter: text(fields, "cursor_parameter", at: path) ?? "cursor", nextCursor: next)
        case "link":
            style = .link
        case let other:
            if !other.isEmpty { problem("\(path).type", "must be one of offset, page, cursor, link, got \"\(other)\"") }
            return nil
        }
        return ConnectorDocument.Pagination(
            style: style, items: items, pageSize: Int(clamping: pageSize), maxPages: Int(clamping: maxPages)
        )
    }

    private mutating func checkPlaceholders(_ route: String, _ parameters: [ConnectorDocument.Parameter], at path: String) {
        var placeholders: [String] = []
        var rest = Substring(route)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                problem("\(path).path", "has a { without its }")
                return
            }
            placeholders.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        let pathParameters = Set(parameters.filter { $0.location == .path }.map(\.name))
        for placeholder in placeholders where !pathParameters.contains(placeholder) {
            problem("\(path).path", "the placeholder {\(placeholder)} has no parameter with location path")
        }
        for (index, parameter) in parameters.enumerated() where parameter.location == .path && !placeholders.contains(parameter.name) {
            problem("\(path).parameters[\(index)]", "path parameter \"\(parameter.name)\" has no {\(parameter.name)} in the path")
        }
    }

    // MARK: Resilience and registration

    private mutating func resilience(_ value: JSONValue?) -> ResilienceOverrides {
        var overrides = ResilienceOverrides()
        guard let value else { return overrides }
        guard let fields = value.objectValue else {
            problem("resilience", "must be a mapping, got a \(value.typeName)")
            return overrides
        }
        unknownFields(fields, [
            "timeout_seconds", "max_retries", "retry_delay_seconds", "retry_backoff", "rate_limit_per_minute",
            "circuit_breaker_threshold", "circuit_breaker_recovery_seconds",
        ], at: "resilience")
        func seconds(_ key: String) -> Duration? {
            guard let field = fields[key] else { return nil }
            guard let number = field.numberValue, number > 0, number <= 86_400 else {
                problem("resilience.\(key)", "must be a number of seconds above 0 and at most 86400")
                return nil
            }
            return .milliseconds(Int64((number * 1000).rounded()))
        }
        func count(_ key: String, minimum: Int64) -> Int? {
            guard let field = fields[key] else { return nil }
            guard let number = field.integerValue, number >= minimum, number <= 1_000_000 else {
                problem("resilience.\(key)", "must be a whole number from \(minimum) to 1000000")
                return nil
            }
            return Int(number)
        }
        overrides.timeout = seconds("timeout_seconds")
        overrides.maxRetries = count("max_retries", minimum: 0)
        overrides.retryDelay = seconds("retry_delay_seconds")
        if let backoff = text(fields, "retry_backoff", at: "resilience") {
            overrides.backoff = ResilienceOverrides.Backoff(rawValue: backoff.lowercased())
            if overrides.backoff == nil { problem("resilience.retry_backoff", "must be none, linear or exponential, got \"\(backoff)\"") }
        }
        overrides.rateLimitPerMinute = count("rate_limit_per_minute", minimum: 1)
        overrides.breakerThreshold = count("circuit_breaker_threshold", minimum: 1)
        overrides.breakerRecovery = seconds("circuit_breaker_recovery_seconds")
        return overrides
    }

    /// The document's registration, or one derived from the slug: a key and
    /// secret of its own and a block of entity IDs from the slug's hash, in a
    /// range compiled plugins are not given.
    private mutating func registration(_ value: JSONValue?, slug: String, functions: Int)
        -> ConnectorDocument.Registration
    {
        let digest = Hex.text(TextDigest.sha256(Array(slug.utf8)))
        let block = Int64(digest.prefix(8), radix: 16).map { $0 % 1_000_000 } ?? 0
        let endpoint = 9_000_000_000 + block * 1000 + 1
        var derived = ConnectorDocument.Registration(
            key: "declarative-\(slug)", secret: String(digest.prefix(32)), endpointEntityId: endpoint,
            functionEntityIds: (endpoint + 1)...(endpoint + 999)
        )
        guard let value else { return derived }
        guard let fields = value.objectValue else {
            problem("registration", "must be a mapping of key, secret, endpoint_entity_id, function_entity_start_id, function_entity_end_id")
            return derived
        }
        unknownFields(fields, ["key", "secret", "endpoint_entity_id", "function_entity_start_id", "function_entity_end_id"], at: "registration")
        derived.key = text(fields, "key", at: "registration", required: true) ?? derived.key
        derived.secret = text(fields, "secret", at: "registration", required: true) ?? derived.secret
        let endpointId = fields["endpoint_entity_id"]?.integerValue
        let start = fields["function_entity_start_id"]?.integerValue
        let end = fields["function_entity_end_id"]?.integerValue
        guard let endpointId, let start, let end, endpointId > 0, start > 0, start <= end else {
            problem("registration", "needs positive endpoint_entity_id, function_entity_start_id and function_entity_end_id, start not after end")
            return derived
        }
        if (start...end).contains(endpointId) { problem("registration.endpoint_entity_id", "lies inside the function range") }
        let needed = Int64(ConnectorDocument.firstOperationOffset + functions)
        if end - start + 1 < needed {
            problem("registration", "the function range holds \(end - start + 1) IDs; the connector needs \(needed)")
        }
        derived.endpointEntityId = endpointId
        derived.functionEntityIds = start...end
        return derived
    }

    // MARK: Fields

    mutating func text(_ fields: [String: JSONValue], _ key: String, at path: String, required: Bool = false) -> String? {
        let here = path.isEmpty ? key : "\(path).\(key)"
        guard let value = fields[key], value != .null else {
            if required { problem(here, "is missing") }
            return nil
        }
        switch value {
        case .string(let text):
            if required, text.trimmingCharacters(in: .whitespaces).isEmpty { problem(here, "is empty") }
            return text
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .bool(let flag): return String(flag)
        default:
            problem(here, "must be text, got a \(value.typeName)")
            return nil
        }
    }

    mutating func flag(_ fields: [String: JSONValue], _ key: String, at path: String) -> Bool? {
        guard let value = fields[key] else { return nil }
        guard let flag = value.boolValue else {
            problem(path.isEmpty ? key : "\(path).\(key)", "must be true or false, got a \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func unknownFields(_ fields: [String: JSONValue], _ known: Set<String>, at path: String) {
        for key in fields.keys.sorted() where !known.contains(key) {
            problem(path.isEmpty ? key : "\(path).\(key)", "is not a field of a connector document (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    private mutating func checkURL(_ text: String, at path: String) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            problem(path, "must be an http or https URL with a host, got \"\(text)\"")
            return
        }
    }

    package static func isSemanticVersion(_ text: String) -> Bool {
        text.range(
            of: #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"#, options: .regularExpression
        ) != nil
    }
}

extension ConnectorDocument.Parameter {
    /// What is wrong with `value` as a value of `kind`, or nil.
    static func mismatch(_ value: JSONValue, _ kind: ValueKind) -> String? {
        let fits: Bool
        switch (kind, value) {
        case (.string, .string), (.boolean, .bool), (.integer, .integer), (.number, .integer), (.number, .number): fits = true
        case (.integer, .number(let number)): fits = number.rounded() == number
        default: fits = false
        }
        return fits ? nil : "must be \(kind == .integer ? "an" : "a") \(kind.rawValue), got a \(value.typeName)"
    }
}

extension JSONValue {
    /// A number as a Double; nil for anything else.
    var numberValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}
