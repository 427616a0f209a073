/// A declarative HTTP connector: the fields of the Connector Builder's tabs
/// (overview, auth and credentials, operations, resilience), read from one
/// YAML or JSON file (``read(_:source:)``), served like a compiled plugin.
public struct ConnectorDocument: Sendable, Hashable {
    // Overview
    public var name: String
    /// Lowercase and URL-safe: the connector's name on the host.
    public var slug: String
    public var type: String
    public var description: String?
    public var baseURL: String
    public var icon: String?
    public var documentationURL: String?
    public var version: String

    // Auth and credentials
    public var auth: Auth
    /// In the document's order.
    public var credentials: [CredentialField]

    public var operations: [Operation]
    /// The OpsHub entity types the operations serve; empty: the connector
    /// serves its operations as functions only.
    public var entities: [EntityType] = []
    public var resilience: ResilienceOverrides
    /// The registration the connector serves under; derived from the slug
    /// when the document names none (see ``Registration``).
    public var registration: Registration

    /// How requests are authenticated.
    public enum Auth: Sendable, Hashable {
        case none
        /// The `api_key` credential in a header or a query parameter, after `prefix`.
        case apiKey(placement: KeyPlacement, prefix: String)
        /// The `username` and `password` credentials.
        case basic
        /// The `token` credential as `Authorization: Bearer`.
        case bearer
        case oauth2(OAuth2)

        public var typeName: String {
            switch self {
            case .none: "none"
            case .apiKey: "api_key"
            case .basic: "basic"
            case .bearer: "bearer"
            case .oauth2: "oauth2"
            }
        }
    }

    public enum KeyPlacement: Sendable, Hashable {
        case header(String)
        case query(String)
    }

    /// An OAuth2 client: `client_id` and `client_secret` credentials, and for
    /// the authorization-code grant a `refresh_token` credential.
    public struct OAuth2: Sendable, Hashable {
        public enum Grant: String, Sendable, Hashable, CaseIterable {
            case clientCredentials = "client_credentials"
            case authorizationCode = "authorization_code"
        }

        /// How the client authenticates to the token endpoint: never both.
        public enum ClientAuthentication: String, Sendable, Hashable, CaseIterable {
            case basic
            case body
        }

        public var grant: Grant
        /// The token endpoint; a `token_url` credential overrides it.
        public var tokenURL: String?
        public var scopes: String?
        public var clientAuthentication: ClientAuthentication
    }

    /// One field of the credential schema.
    public struct CredentialField: Sendable, Hashable {
        public var name: String
        public var label: String
        /// `string` or `password` (masked).
        public var isPassword: Bool
        public var required: Bool
        /// Never logged, shown or returned.
        public var sensitive: Bool
        public var help: String?
        public var defaultValue: String?
    }

    public struct Operation: Sendable, Hashable {
        public var name: String
        public var displayName: String?
        public var description: String?
        public var method: String
        /// With `{placeholders}` for its path parameters.
        public var path: String
        public var parameters: [Parameter]
        public var responseSchema: JSONValue?
        /// Whether a call may be repeated after it may have reached the end
        /// system: GET, PUT and DELETE are by default, POST and PATCH are not.
        public var idempotent: Bool
        /// How a list operation's pages are walked; nil: one request.
        public var pagination: Pagination?
    }

    /// A list operation's pages, walked by the host: the items of every page
    /// come back as one `{"items", "pages", "complete"}` answer.
    public struct Pagination: Sendable, Hashable {
        public enum Style: Sendable, Hashable {
            /// `offset` and `limit` query parameters.
            case offset(offsetParameter: String, limitParameter: String)
            /// A page number (from `firstPage`) and, optionally, a page size parameter.
            case page(pageParameter: String, sizeParameter: String?, firstPage: Int)
            /// The next cursor read from each answer at a JSON pointer, sent back as a parameter.
            case cursor(cursorParameter: String, nextCursor: String)
            /// The `Link: <…>; rel="next"` header of each answer.
            case link
        }

        public var style: Style
        /// A JSON pointer to each answer's item array (empty: the answer is the array).
        public var items: String
        public var pageSize: Int
        /// The walk stops here, saying it is not complete.
        public var maxPages: Int
    }

    public struct Parameter: Sendable, Hashable {
        public enum Location: String, Sendable, Hashable, CaseIterable {
            case query, path, header, body
        }

        public enum ValueKind: String, Sendable, Hashable, CaseIterable {
            case string, number, integer, boolean
        }

        public var name: String
        public var location: Location
        public var kind: ValueKind
        public var required: Bool
        public var defaultValue: JSONValue?
        public var description: String?
    }

    /// The identity a compiled plugin carries in its descriptor.
    public struct Registration: Sendable, Hashable {
        public var key: String
        public var secret: String
        public var endpointEntityId: Int64
        public var functionEntityIds: ClosedRange<Int64>
    }

    /// The types of the builder's overview tab.
    public static let types = ["General", "OEM", "DMS", "CRM", "Finance", "Telematics", "Logistics"]
    public static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    /// The file names a plugin directory serves as declarative connectors.
    public static let fileSuffixes = [".connector.yaml", ".connector.yml", ".connector.json"]

    /// Whether a file name is a declarative connector's.
    public static func isDocument(_ path: String) -> Bool {
        fileSuffixes.contains { path.hasSuffix($0) }
    }

    /// The connector's functions: the session and metadata operations it
    /// serves itself, then one custom function per operation, taking its
    /// context and one JSON object of parameters and answering JSON; with an
    /// entity mapping, the entity operations take the range's last IDs, so
    /// adding operations never moves them.
    public var functions: [PluginFunction] {
        let start = registration.functionEntityIds.lowerBound
        let standard: [StandardOperation] = [.sessionOpen, .sessionClose, .metadataGet, .serverInfo]
        let entityStart = registration.functionEntityIds.upperBound - Int64(Self.entityOperations.count) + 1
        return standard.enumerated().map { PluginFunction(entityId: start + Int64($0.offset), name: $0.element.rawValue) }
            + operations.enumerated().map { index, operation in
                PluginFunction(
                    entityId: start + Int64(Self.firstOperationOffset + index), name: operation.name,
                    signature: FunctionSignature(returnType: .json, parameterTypes: [.context, .json]),
                    isIdempotent: operation.idempotent
                )
            }
            + (entities.isEmpty ? [] : Self.entityOperations.enumerated().map {
                PluginFunction(entityId: entityStart + Int64($0.offset), name: $0.element.rawValue)
            })
    }

    /// Where operations' entity IDs begin, after the standard operations'.
    static let firstOperationOffset = 10
    /// The most operations one document may declare.
    static let maximumOperations = 500
}
