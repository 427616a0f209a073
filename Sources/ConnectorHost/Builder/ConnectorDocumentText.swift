import Crypto
import Foundation
import Yams

/// A connector document as the builder edits it: a JSON value that may be
/// incomplete or invalid, turned into YAML text and back, checked, and
/// fingerprinted per operation so that a test result can be tied to the
/// definition it tested.
public enum ConnectorDocumentText {
    /// The largest document the builder reads, in bytes of text.
    public static let sizeLimit = 1 << 20

    /// The document in a YAML or JSON text (JSON is YAML).
    ///
    /// - Throws: `invalid_request` for text over ``sizeLimit`` or text that is
    ///   not YAML (read with a budget, so that aliases cannot expand beyond memory).
    public static func parse(_ text: String) throws(ConnectorHostError) -> JSONValue {
        guard text.utf8.count <= sizeLimit else {
            throw ConnectorHostError(.invalidRequest, "the document is larger than \(sizeLimit) bytes")
        }
        return try JSONValue(yamlText: text)
    }

    /// Every problem of the document, each with where it is; empty when it is valid.
    public static func problems(of document: JSONValue) -> [String] {
        ConnectorDocument.read(document).problems
    }

    /// The valid document.
    ///
    /// - Throws: `manifest_invalid` listing every problem.
    public static func connector(_ document: JSONValue, source: String) throws(ConnectorHostError) -> ConnectorDocument {
        let (read, problems) = ConnectorDocument.read(document)
        guard let read, problems.isEmpty else {
            throw ConnectorHostError(.manifestInvalid, "\(source): invalid connector document: " + problems.joined(separator: "; "))
        }
        return read
    }

    /// The document as YAML, its fields in the builder's order (the tabs'
    /// order, then anything else alphabetically), strings quoted wherever YAML
    /// would read them as something else.
    public static func yaml(_ document: JSONValue) -> String {
        (try? Yams.serialize(node: node(document, order: topLevelOrder))) ?? ""
    }

    /// A fingerprint of what an operation's test depends on: the operation's
    /// own definition and the document's base URL and auth fields. Nil when the
    /// document has no operation of that name.
    public static func definitionDigest(ofOperation name: String, in document: JSONValue) -> String? {
        guard let operation = document["operations"]?.arrayValue?.first(where: { $0["name"]?.stringValue == name })
        else { return nil }
        var tested: [String: JSONValue] = ["operation": operation]
        for field in ["base_url", "auth_type", "header_name", "query_name", "key_prefix", "grant_type", "token_url",
                      "scopes", "client_auth", "credential_schema"] {
            if let value = document[field] { tested[field] = value }
        }
        return Hex.text(SHA256.hash(data: JSONValue.object(tested).bytes))
    }

    private static let topLevelOrder = [
        "name", "slug", "type", "description", "base_url", "icon", "documentation_url", "version", "auth_type",
        "header_name", "query_name", "key_prefix", "grant_type", "token_url", "scopes", "client_auth",
        "credential_schema", "operations", "entities", "resilience", "registration",
    ]

    /// The order of fields inside a mapping found under `key`.
    private static func order(under key: String) -> [String] {
        switch key {
        case "operations":
            ["name", "display_name", "description", "method", "path", "idempotent", "parameters", "pagination", "response_schema"]
        case "parameters":
            ["name", "location", "type", "required", "default", "description"]
        case "credential_field":
            ["label", "type", "required", "sensitive", "help", "default"]
        case "resilience":
            [
                "timeout_seconds", "max_retries", "retry_delay_seconds", "retry_backoff", "rate_limit_per_minute",
                "circuit_breaker_threshold", "circuit_breaker_recovery_seconds",
            ]
        default:
            []
        }
    }

    private static func node(_ value: JSONValue, order: [String], parent: String = "") -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .integer(let number): return Node(String(number), Tag(.int))
        case .number(let number): return Node("\(number)", Tag(.float))
        case .string(let text): return scalar(text)
        case .array(let elements):
            return .sequence(Node.Sequence(elements.map { node($0, order: Self.order(under: parent), parent: parent) }))
        case .object(let members):
            let keys = members.keys.sorted { left, right in
                switch (order.firstIndex(of: left), order.firstIndex(of: right)) {
                case let (left?, right?): left < right
                case (.some, nil): true
                case (nil, .some): false
                case (nil, nil): left < right
                }
            }
            return .mapping(Node.Mapping(keys.compactMap { key in
                guard let member = members[key] else { return nil }
                // A credential schema maps field names to fields: its members are fields.
                let childParent = parent == "credential_schema" ? "credential_field" : key
                let childOrder = parent == "credential_schema" ? Self.order(under: "credential_field") : Self.order(under: key)
                // A response schema is JSON Schema: its keys keep JSON Schema's own order.
                let schema = key == "response_schema" || parent == "response_schema"
                return (scalar(key), node(member, order: schema ? [] : childOrder, parent: schema ? "response_schema" : childParent))
            }))
        }
    }

    /// A string scalar, plain when YAML reads it back as the same string.
    private static func scalar(_ text: String) -> Node {
        let plainReadsBack = !text.isEmpty && !text.contains("\n") && (try? JSONValue(yamlText: text)) == .string(text)
        return Node(text, Tag(.str), plainReadsBack ? .plain : .doubleQuoted)
    }
}
