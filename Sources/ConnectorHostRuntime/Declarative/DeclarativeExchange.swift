import Foundation

/// One call of a declarative operation: its parameters checked against the
/// document, the request built by location and authenticated, sent through
/// the session's connections, and the answer mapped to the host's taxonomy.
struct DeclarativeExchange {
    let document: ConnectorDocument
    let operation: ConnectorDocument.Operation
    let session: DeclarativeSession
    /// An entity's fields at their pointers, sent as the body over the body
    /// parameters (``DeclarativeEntities``).
    var entityBody: [String: JSONValue] = [:]

    /// How much of an end system's error answer a message quotes.
    static let excerptLength = 300
    /// The lifetime assumed for a token whose answer gives none, and how long
    /// before its expiry a token is replaced.
    static let tokenMargin: Duration = .seconds(60)

    /// Sends the request and answers its JSON (or its text), or the failure;
    /// a paged operation's pages are walked (``walk(_:parameters:call:)``).
    ///
    /// A 401 answers `unauthorized`, on which the host opens a new session
    /// (with a token cache of its own) and calls once more: that is how a
    /// refused OAuth2 token is replaced once and the call repeated once.
    func run(parameters: [String: JSONValue], call: PluginCallContext?) -> CustomReply {
        if let pagination = operation.pagination { return walk(pagination, parameters: parameters, call: call) }
        let request: HTTPRequest
        do {
            request = try build(parameters: parameters, timeLeft: Self.timeLeft(of: call))
        } catch {
            return CustomReply(value: .null, outcome: PluginReply(status: error.status, body: [], message: error.message))
        }
        return reply(to: session.connections.perform(request, call: call))
    }

    /// A failure before anything was sent.
    struct Refusal: Error {
        let status: PluginReply.Status
        let message: String
    }

    /// The request the parameters make, authenticated.
    func build(parameters given: [String: JSONValue], timeLeft: Duration?) throws(Refusal) -> HTTPRequest {
        let known = Set(operation.parameters.map(\.name))
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw Refusal(
                status: .invalidRequest,
                message: "\"\(unknown)\" is not a parameter of \(operation.name) (parameters: \(operation.parameters.map(\.name).joined(separator: ", ")))"
            )
        }
        var path = operation.path
        var query: [(String, String)] = []
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        var body: [String: JSONValue] = [:]
        for parameter in operation.parameters {
            guard let value = given[parameter.name].flatMap({ $0 == .null ? nil : $0 }) ?? parameter.defaultValue else {
                if parameter.required {
                    throw Refusal(status: .invalidRequest, message: "the parameter \"\(parameter.name)\" of \(operation.name) is required")
                }
                continue
            }
            if let mismatch = ConnectorDocument.Parameter.mismatch(value, parameter.kind) {
                throw Refusal(status: .invalidRequest, message: "the parameter \"\(parameter.name)\" of \(operation.name) \(mismatch)")
            }
            let text = Self.text(of: value)
            switch parameter.location {
            case .path: path = path.replacingOccurrences(of: "{\(parameter.name)}", with: percentEncoded(text))
            case .query: query.append((parameter.name, text))
            case .header: headers.append((parameter.name, text))
            case .body: body[parameter.name] = value
            }
        }
        switch document.auth {
        case .none, .basic:
            break
        case .apiKey(let placement, let prefix):
            let key = prefix + (session.credentials["api_key"] ?? "")
            switch placement {
            case .header(let name): headers.append((name, key))
            case .query(let name): query.append((name, key))
            }
        case .bearer:
            headers.append(("Authorization", "Bearer \(session.credentials["token"] ?? "")"))
        case .oauth2(let settings):
            let token: String
            do {
                token = try session.tokens.token(settings: settings, credentials: session.credentials, connections: session.connections)
            } catch {
                throw Refusal(status: error.status, message: error.message)
            }
            headers.append(("Authorization", "Bearer \(token)"))
        }
        let base = document.baseURL.hasSuffix("/") ? String(document.baseURL.dropLast()) : document.baseURL
        var url = base + path
        if !query.isEmpty {
            url += (url.contains("?") ? "&" : "?") + query.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
        }
        body.merge(entityBody) { _, entity in entity }
        var request = HTTPRequest(method: operation.method, url: url, headers: headers)
        if case .basic = document.auth {
            request.basicCredentials = "\(session.credentials["username"] ?? ""):\(session.credentials["password"] ?? "")"
        }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(operation.method) {
            request.body = JSONValue.object(body).bytes
            request.headers.append(("Content-Type", "application/json"))
        }
        if let timeLeft {
            guard timeLeft > .zero else { throw Refusal(status: .transient, message: "no time was left to send the request") }
            request.timeout = timeLeft
            request.connectTimeout = min(request.connectTimeout, timeLeft)
        }
        return request
    }

    /// How long the call has left; nil without a call (a test from the CLI).
    static func timeLeft(of call: PluginCallContext?) -> Duration? {
        call.map { .nanoseconds(Int64(clamping: $0.remainingNanoseconds)) }
    }

    /// A parameter's value as text in a path, query or header.
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        default: String(decoding: value.bytes, as: UTF8.self)
        }
    }

    /// The answer as the host's taxonomy reads it: 2xx success; 401 and 403
    /// an invalid session; 404 not found; 408, 429 and 5xx transient (with
    /// Retry-After), but not for an operation that may not be repeated; other
    /// 4xx an invalid request quoting the answer; a network failure transient
    /// with curl's message.
    func reply(to response: HTTPResponse) -> CustomReply {
        func failure(_ status: PluginReply.Status, _ message: String, retryAfter: Duration? = nil) -> CustomReply {
            CustomReply(value: .null, outcome: PluginReply(status: status, body: [], message: message, retryAfter: retryAfter))
        }
        let label = "\(operation.method) \(operation.path)"
        // What may have reached the end system is repeated only when the operation allows it.
        let uncertain: PluginReply.Status = operation.idempotent ? .transient : .permanent
        let notRepeated = operation.idempotent ? "" : "; not repeated: \(operation.name) is not idempotent and the request may have reached the end system"
        if response.cancelled { return failure(.transient, "\(label): the caller gave up; the transfer was stopped") }
        if let problem = response.failure {
            if response.truncated {
                return failure(.permanent, "\(label): the answer is over the \(HTTPRequest.defaultMaxResponseBytes)-byte limit")
            }
            return failure(response.requestSent ? uncertain : .transient, "\(label): \(problem)\(response.requestSent ? notRepeated : "")")
        }
        if (200..<300).contains(response.status) {
            guard !response.body.isEmpty else { return CustomReply(value: .json(.null)) }
            if let document = try? JSONValue(parsing: response.body) { return CustomReply(value: .json(document)) }
            return CustomReply(value: .json(.string(String(decoding: response.body, as: UTF8.self))))
        }
        // What only a failure needs is worked out only for one.
        let quoted = String(decoding: response.body.prefix(Self.excerptLength), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let excerpt = quoted.isEmpty ? "(no body)" : quoted + (response.body.count > Self.excerptLength ? "…" : "")
        let retryAfter = response.header("Retry-After").flatMap(Self.retryAfter)
        switch response.status {
        case 401, 403:
            return failure(.unauthorized, "\(label) answered \(response.status): the end system refused the credentials: \(excerpt)")
        case 404:
            return failure(.notFound, "\(label) answered 404: \(excerpt)")
        case 429:
            return failure(operation.idempotent ? .transient : .rateLimited, "\(label) answered 429: the end system asks to slow down", retryAfter: retryAfter)
        case 408, 500..<600:
            return failure(uncertain, "\(label) answered \(response.status): \(excerpt)\(notRepeated)", retryAfter: retryAfter)
        default:
            return failure(.invalidRequest, "\(label) answered \(response.status): \(excerpt)")
        }
    }

    /// `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ text: String) -> Duration? {
        if let seconds = Int64(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000))
    }
}
