import ConnectorHostABI
import Foundation
import Logging
import Synchronization

/// A connector document served like a compiled plugin: the session and
/// metadata operations it answers itself, and each of its operations as a
/// custom function that takes its context and one JSON object of parameters,
/// sends the HTTP request through libcurl and answers the response's JSON.
/// It runs where a compiled plugin would: in a sandbox worker by default.
package final class DeclarativeConnector: LoadedPlugin {
    package let document: ConnectorDocument
    package let description: PluginDescription
    private let logger: Logger
    /// What each open session holds, by session ID.
    private let sessions = Mutex<[UInt64: DeclarativeSession]>([:])
    /// The newest refresh token the server rotated in, by the one the
    /// credentials gave: the old one is spent, so a new session starts from
    /// the newest (for as long as this process serves the connector).
    private let rotatedRefreshTokens = Mutex<[String: String]>([:])

    /// Where sessions get their connections in a sandbox worker; nil in process.
    private let handover: EgressHandover?

    /// - Parameter egressSocket: In a sandbox worker, the host's egress proxy
    ///   socket: connections to the document's hosts are handed over through
    ///   it, where this libcurl allows (``EgressHandover/isSupported``).
    package init(document: ConnectorDocument, logger: Logger, egressSocket: String? = nil) {
        self.document = document
        self.logger = logger
        if let egressSocket, EgressHandover.isSupported {
            handover = EgressHandover(proxySocket: egressSocket, hosts: document.egressHosts)
        } else {
            handover = nil
        }
        description = Self.description(of: document)
    }

    /// The description a compiled plugin's descriptor would give.
    static func description(of document: ConnectorDocument) -> PluginDescription {
        let registration = document.registration
        let manifest = PluginManifest(
            name: document.slug, version: document.version, key: registration.key, secret: PluginSecret(registration.secret),
            endpointEntityId: registration.endpointEntityId, functionEntityIds: registration.functionEntityIds,
            metadata: ConnectorMetadata(
                type: "declarative", category: document.type, description: document.description,
                uiSpec: document.configurationSchema.bytes.isEmpty ? nil : String(decoding: document.configurationSchema.bytes, as: UTF8.self)
            )
        )
        return PluginDescription(
            manifest: manifest, abiVersion: UInt32(CH_ABI_VERSION), isThreadSafe: true, maxConcurrency: nil,
            functions: document.functions, resilience: document.resilience, egressHosts: document.egressHosts
        )
    }

    package func release() {
        sessions.withLock { $0.removeAll() }
    }

    package func invoke(
        _ operation: StandardOperation, session: UnsafeMutablePointer<ch_session>?, body: [UInt8], context: PluginCallContext
    ) throws(ConnectorHostError) -> PluginReply {
        switch operation {
        case .sessionOpen:
            guard let session else { throw ConnectorHostError(.invalidRequest, "session.open needs a session") }
            let settings: [SessionSetting]
            do {
                settings = try JSONDecoder().decode([SessionSetting].self, from: Data(body))
            } catch {
                return PluginReply(status: .invalidRequest, body: [], message: "the session settings must be a JSON array of {key, value, sensitive}")
            }
            switch document.resolveCredentials(settings) {
            case .failure(let problem):
                return PluginReply(status: .invalidRequest, body: [], message: problem.message)
            case .success(let credentials):
                let given = credentials["refresh_token"]
                let newest = given.flatMap { given in rotatedRefreshTokens.withLock { $0[given] } } ?? given
                let state = DeclarativeSession(credentials: credentials, refreshToken: newest, handover: handover) { [weak self] rotated in
                    if let given { self?.rotatedRefreshTokens.withLock { $0[given] = rotated } }
                }
                sessions.withLock { $0[session.pointee.id] = state }
                return PluginReply(status: .ok, body: Array("[]".utf8))
            }
        case .sessionClose:
            if let session { _ = sessions.withLock { $0.removeValue(forKey: session.pointee.id) } }
            return PluginReply(status: .ok, body: Array("{}".utf8))
        case .metadataGet:
            return PluginReply(status: .ok, body: document.metadata.bytes)
        case .serverInfo:
            return PluginReply(status: .ok, body: JSONValue.object([
                "timeZone": "UTC", "locale": "en_US", "maxResults": 100, "version": .string(document.version),
            ]).bytes)
        default:
            guard !document.entities.isEmpty, ConnectorDocument.entityOperations.contains(operation) else {
                throw ConnectorHostError(.notFound, "\(document.slug) does not implement \(operation.rawValue)")
            }
            let state = session.flatMap { session in sessions.withLock { $0[session.pointee.id] } }
            return DeclarativeEntities(document: document, session: state, call: context).answer(operation, body: body)
        }
    }

    package func invokeCustom(
        _ name: String, arguments: [CustomValue], context: CustomFunctionCall.Context?
    ) throws(ConnectorHostError) -> CustomReply {
        guard let operation = document.operations.first(where: { $0.name == name }) else {
            throw ConnectorHostError(.notFound, "\(document.slug) has no operation '\(name)'")
        }
        guard let context else {
            throw ConnectorHostError(.pluginError, "\(document.slug) \(name) was called without a session")
        }
        guard let session = sessions.withLock({ $0[context.session.pointee.id] }) else {
            return CustomReply(value: .null, outcome: PluginReply(status: .unauthorized, body: [], message: "the session is not open"))
        }
        let parameters: [String: JSONValue]
        switch arguments.first {
        case .json(.object(let members)): parameters = members
        case .null, .json(.null), nil: parameters = [:]
        case let other?:
            return CustomReply(value: .null, outcome: PluginReply(
                status: .invalidRequest, body: [], message: "the parameters must be a JSON object, got \(other)"
            ))
        }
        let exchange = DeclarativeExchange(document: document, operation: operation, session: session)
        return exchange.run(parameters: parameters, call: context.call)
    }
}

extension ConnectorDocument {
    /// `host:port` of the base URL and of a token endpoint the document names.
    var egressHosts: [String] {
        var hosts: [String] = []
        let tokenURLs = (auth.oauth2?.tokenURL.map { [$0] } ?? []) + credentials.filter({ $0.name == "token_url" }).compactMap(\.defaultValue)
        for text in [baseURL] + tokenURLs {
            guard let url = URL(string: text), let host = url.host else { continue }
            let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
            let entry = "\(host.lowercased()):\(port)"
            if !hosts.contains(entry) { hosts.append(entry) }
        }
        return hosts
    }

    /// The configuration form as a JSON Schema: one property per credential
    /// field, secrets marked `"encrypt": true`, as a compiled plugin's `ui_spec`.
    var configurationSchema: JSONValue {
        guard !credentials.isEmpty else { return .object([:]) }
        var properties: [String: JSONValue] = [:]
        for field in credentials {
            var property: [String: JSONValue] = ["type": "string", "title": .string(field.label)]
            if let help = field.help { property["description"] = .string(help) }
            if let value = field.defaultValue, !field.sensitive { property["default"] = .string(value) }
            if field.sensitive { property["encrypt"] = true }
            if field.isPassword { property["format"] = "password" }
            properties[field.name] = .object(property)
        }
        return .object([
            "type": "object", "properties": .object(properties),
            "required": .array(credentials.filter(\.required).map { .string($0.name) }),
        ])
    }

    /// `metadata.get`'s answer: the credential fields as configuration fields.
    var metadata: JSONValue {
        .object([
            "enableFeatures": [],
            "fields": .array(credentials.enumerated().map { index, field in
                .object([
                    "internalName": .string(field.name), "displayName": .string(field.label),
                    "tooltip": field.help.map(JSONValue.string) ?? .null, "required": .bool(field.required),
                    "fieldType": field.isPassword ? "PASSWORD" : "TEXT", "lookup": .null,
                    "defaultValue": field.sensitive ? .null : field.defaultValue.map(JSONValue.string) ?? .null,
                    "fieldOrder": .integer(Int64(index + 1)), "screens": ["SYSTEM_CONFIG"],
                ])
            }),
        ])
    }

    /// The session's credentials: the settings, checked against the schema,
    /// with defaults for fields not given.
    func resolveCredentials(_ settings: [SessionSetting]) -> Result<[String: String], CredentialProblem> {
        var values: [String: String] = [:]
        for setting in settings { values[setting.key] = setting.value }
        var problems: [String] = []
        let known = Set(credentials.map(\.name))
        for key in values.keys.sorted() where !known.contains(key) {
            problems.append("\"\(key)\" is not a credential field of \(slug) (fields: \(credentials.map(\.name).joined(separator: ", ")))")
        }
        for field in credentials {
            if values[field.name] == nil, let value = field.defaultValue { values[field.name] = value }
            if field.required, values[field.name]?.isEmpty ?? true {
                problems.append("the credential \"\(field.name)\" (\(field.label)) is required")
            }
        }
        return problems.isEmpty ? .success(values) : .failure(CredentialProblem(message: problems.joined(separator: "; ")))
    }

    struct CredentialProblem: Error {
        let message: String
    }
}

extension ConnectorDocument.Auth {
    var oauth2: ConnectorDocument.OAuth2? {
        if case .oauth2(let settings) = self { return settings }
        return nil
    }
}

/// What one session of a declarative connector holds.
final class DeclarativeSession: Sendable {
    let credentials: [String: String]
    let connections: HTTPConnectionPool
    let tokens: OAuth2TokenCache

    /// - Parameters:
    ///   - refreshToken: The refresh token to start from (the newest known).
    ///   - handover: In a sandbox worker, where connections come from.
    ///   - onRotation: Told each refresh token the server rotates in.
    init(
        credentials: [String: String], refreshToken: String? = nil, handover: EgressHandover? = nil,
        onRotation: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.credentials = credentials
        connections = HTTPConnectionPool(handover: handover)
        tokens = OAuth2TokenCache(refreshToken: refreshToken ?? credentials["refresh_token"], onRotation: onRotation)
    }
}
