/// A declarative HTTP connector: the fields of the Connector Builder's tabs
/// (overview, auth and credentials, operations, resilience), read from one
/// YAML or JSON file (``read(_:source:json:)``), served like a compiled plugin.
public struct ConnectorDocument: Sendable, Hashable {
    // Overview
    /// The connector's display name (`name`, required); the slug is made of it when the document gives none.
    public var name: String
    /// Lowercase and URL-safe: the connector's name on the host.
    public var slug: String
    /// The builder's connector type (`type`): one of ``types``, `General` when absent.
    public var type: String
    /// What the connector is for (`description`), shown in the catalogue.
    public var description: String?
    /// The end system's http or https URL (`base_url`) that every operation's path is appended to.
    public var baseURL: String
    /// A PNG or SVG file for the catalogue (`icon`).
    public var icon: String?
    /// Where the end system's API is documented (`documentation_url`), an http or https URL.
    public var documentationURL: String?
    /// The connector's semantic version (`version`), `1.0.0` when absent.
    public var version: String

    // Auth and credentials
    /// How every request is authenticated (`auth_type` and the fields that go with it).
    public var auth: Auth
    /// In the document's order.
    public var credentials: [CredentialField]

    /// The calls the connector offers, in the document's order; each becomes one custom function.
    public var operations: [Operation]
    /// The OpsHub entity types the operations serve; empty: the connector
    /// serves its operations as functions only.
    public var entities: [EntityType] = []
    /// The builder's resilience tab: overrides of the host's policy for this connector only.
    public var resilience: ResilienceOverrides
    /// The registration the connector serves under; derived from the slug
    /// when the document names none (see ``Registration``).
    public var registration: Registration

    /// How requests are authenticated.
    public enum Auth: Sendable, Hashable {
        /// Requests carry no credentials.
        case none
        /// The `api_key` credential in a header or a query parameter, after `prefix`.
        case apiKey(placement: KeyPlacement, prefix: String)
        /// The `username` and `password` credentials.
        case basic
        /// The `token` credential as `Authorization: Bearer`.
        case bearer
        /// A bearer token from an OAuth2 token endpoint, fetched and cached per session.
        case oauth2(OAuth2)

        /// The `auth_type` value this authentication is written as in a document: `none`, `api_key`, `basic`, `bearer` or `oauth2`.
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

    /// Where an API key travels.
    public enum KeyPlacement: Sendable, Hashable {
        /// In the request header of this name (`header_name`).
        case header(String)
        /// In the query parameter of this name (`query_name`).
        case query(String)
    }

    /// An OAuth2 client: `client_id` and `client_secret` credentials, and for
    /// the authorization-code grant a `refresh_token` credential.
    public struct OAuth2: Sendable, Hashable {
        /// The OAuth2 grant a token is requested with (`grant_type`).
        public enum Grant: String, Sendable, Hashable, CaseIterable {
            /// `client_credentials`: the client's own identity, no user involved.
            case clientCredentials = "client_credentials"
            /// `authorization_code`: a user's grant, renewed with the `refresh_token` credential.
            case authorizationCode = "authorization_code"
        }

        /// How the client authenticates to the token endpoint: never both.
        public enum ClientAuthentication: String, Sendable, Hashable, CaseIterable {
            /// The client ID and secret as HTTP basic authentication (the default).
            case basic
            /// The client ID and secret as `client_id` and `client_secret` form fields.
            case body
        }

        /// The grant tokens are requested with; `client_credentials` when absent.
        public var grant: Grant
        /// The token endpoint; a `token_url` credential overrides it.
        public var tokenURL: String?
        /// The `scope` requested with each token, as written (space-separated).
        public var scopes: String?
        /// How the client authenticates to the token endpoint (`client_auth`); `basic` when absent.
        public var clientAuthentication: ClientAuthentication
    }

    /// One field of the credential schema.
    public struct CredentialField: Sendable, Hashable {
        /// The credential's key: the session setting a caller passes it as.
        public var name: String
        /// What a form shows for the field; the name when absent.
        public var label: String
        /// `string` or `password` (masked).
        public var isPassword: Bool
        /// Whether opening a session without it (and without a default) is refused.
        public var required: Bool
        /// Never logged, shown or returned.
        public var sensitive: Bool
        /// A tooltip for the field.
        public var help: String?
        /// The value used when a session gives none; never shown for a sensitive field.
        public var defaultValue: String?
    }

    /// One HTTP call the connector offers, served as a custom function that takes one JSON object of parameters.
    public struct Operation: Sendable, Hashable {
        /// The function's name: letters, digits and underscores, unique in the document.
        public var name: String
        /// A human-readable name for the operation.
        public var displayName: String?
        /// What the operation does.
        public var description: String?
        /// The HTTP method: one of ``ConnectorDocument/methods``.
        public var method: String
        /// With `{placeholders}` for its path parameters.
        public var path: String
        /// The parameters a call may pass; any other is refused as an invalid request.
        public var parameters: [Parameter]
        /// A JSON Schema the answer is checked against when the operation is tested
        /// (`ConnectorDocument.test(operation:parameters:settings:timeout:)`); calls do not enforce it.
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
        /// The ways of asking for the next page.
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

        /// How the next page is asked for.
        public var style: Style
        /// A JSON pointer to each answer's item array (empty: the answer is the array).
        public var items: String
        /// The number of items asked for per page (`page_size`, 50 when absent).
        public var pageSize: Int
        /// The walk stops here, saying it is not complete.
        public var maxPages: Int
    }

    /// One parameter of an operation, and where its value goes in the request.
    public struct Parameter: Sendable, Hashable {
        /// Where a parameter's value goes: the query string, a `{placeholder}` of the path, a header, or a member of the JSON body.
        public enum Location: String, Sendable, Hashable, CaseIterable {
            /// A query parameter.
            case query
            /// The value of the path's `{name}` placeholder, percent-encoded.
            case path
            /// A request header.
            case header
            /// A member of the JSON request body, keeping its JSON type.
            case body
        }

        /// The JSON type a parameter's value must have; an integer is accepted for a number.
        public enum ValueKind: String, Sendable, Hashable, CaseIterable {
            /// A JSON string.
            case string
            /// A JSON number, integer or not.
            case number
            /// A JSON number without a fractional part.
            case integer
            /// `true` or `false`.
            case boolean
        }

        /// The parameter's name in the call's JSON object, and in the request.
        public var name: String
        /// Where its value goes in the request.
        public var location: Location
        /// The type its value must have.
        public var kind: ValueKind
        /// Whether a call without it (and without a default) is refused; always true for a path parameter.
        public var required: Bool
        /// The value sent when a call gives none.
        public var defaultValue: JSONValue?
        /// What the parameter means.
        public var description: String?
    }

    /// The identity a compiled plugin carries in its descriptor.
    public struct Registration: Sendable, Hashable {
        /// The plugin key the connector is registered under.
        public var key: String
        /// The registration secret.
        public var secret: String
        /// The entity ID of the connector's endpoint.
        public var endpointEntityId: Int64
        /// The block of entity IDs its functions take, in order, the operations' from the eleventh on.
        public var functionEntityIds: ClosedRange<Int64>
    }

    /// The types of the builder's overview tab.
    public static let types = ["General", "OEM", "DMS", "CRM", "Finance", "Telematics", "Logistics"]
    /// The HTTP methods an operation may use.
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
