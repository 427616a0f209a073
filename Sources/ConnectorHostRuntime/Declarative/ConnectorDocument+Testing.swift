import Foundation

/// What the builder's test panel shows for one operation: the request as
/// sent (secrets masked), the answer, the time, and the answer checked
/// against the operation's response schema.
public struct OperationTestResult: Sendable, Encodable {
    /// The request as it was sent, with every secret replaced by `********`.
    public struct SentRequest: Sendable, Encodable {
        /// The HTTP method.
        public var method: String
        /// The full URL with its query, secrets masked.
        public var url: String
        /// The headers by name; an `Authorization` header keeps only its scheme.
        public var headers: [String: String]
        /// The JSON body, secrets masked; nil when none was sent.
        public var body: JSONValue?
    }

    /// The name of the operation tested.
    public var operation: String
    /// The request as sent; nil when it could not be built (a missing parameter or credential).
    public var request: SentRequest?
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    /// The answer's headers by name; empty when no answer came.
    public var headers: [String: String]
    /// The answer: JSON, or its text.
    public var body: JSONValue?
    /// How long the exchange took, in seconds.
    public var seconds: Double
    /// Where the answer does not match the response schema, by JSON pointer;
    /// nil when the operation has no schema (or no answer came).
    public var schemaMismatches: [String]?
    /// The failure in the host's taxonomy; nil when the call succeeded.
    public var error: ConnectorHostError?

    /// Whether the call succeeded and its answer matches the schema.
    public var passed: Bool { error == nil && (schemaMismatches ?? []).isEmpty }

    private enum CodingKeys: String, CodingKey {
        case operation, passed, request, status, headers, body, seconds, schemaMismatches, error
    }

    private struct EncodedError: Encodable {
        let code: String
        let message: String
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(operation, forKey: .operation)
        try container.encode(passed, forKey: .passed)
        try container.encodeIfPresent(request, forKey: .request)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encode(headers, forKey: .headers)
        try container.encodeIfPresent(body, forKey: .body)
        try container.encode(seconds, forKey: .seconds)
        try container.encodeIfPresent(schemaMismatches, forKey: .schemaMismatches)
        try container.encodeIfPresent(error.map { EncodedError(code: $0.code.description, message: $0.message) }, forKey: .error)
    }
}

extension ConnectorDocument {
    /// Sends one operation's request with test credentials, which are used for
    /// this call only and never stored, and reports what the test panel shows.
    ///
    /// - Parameters:
    ///   - operationName: The operation.
    ///   - parameters: Its parameters by name.
    ///   - settings: The test credentials.
    ///   - timeout: How long the exchange may take.
    ///   - publicAddressesOnly: Refuse to connect to a loopback, private or
    ///     link-local address (a tenant's test must not reach the host's own
    ///     network); the refusal is the result's `invalid_request` error.
    /// - Throws: `not_found` for an unknown operation.
    public func test(
        operation operationName: String, parameters: [String: JSONValue], settings: [SessionSetting],
        timeout: Duration = .seconds(30), publicAddressesOnly: Bool = false
    ) throws(ConnectorHostError) -> OperationTestResult {
        guard let operation = operations.first(where: { $0.name == operationName }) else {
            throw ConnectorHostError(
                .notFound, "\(slug) has no operation '\(operationName)' (operations: \(operations.map(\.name).joined(separator: ", ")))"
            )
        }
        var result = OperationTestResult(operation: operationName, headers: [:], seconds: 0)
        let credentials: [String: String]
        switch resolveCredentials(settings) {
        case .failure(let problem):
            result.error = ConnectorHostError(.invalidRequest, problem.message)
            return result
        case .success(let resolved):
            credentials = resolved
        }
        let secrets = credentials.filter { name, value in
            !value.isEmpty && self.credentials.contains { $0.name == name && $0.sensitive }
        }.map(\.value)
        let session = DeclarativeSession(credentials: credentials)
        let exchange = DeclarativeExchange(document: self, operation: operation, session: session)
        var request: HTTPRequest
        do {
            request = try exchange.build(parameters: parameters, timeLeft: timeout)
        } catch {
            result.error = ConnectorHostError(error.status.errorCode ?? .pluginError, error.message)
            return result
        }
        request.refuseNonPublicAddresses = publicAddressesOnly
        result.request = Self.masked(request, secrets: secrets)
        let response = session.connections.perform(request, call: nil)
        if response.addressRefused {
            result.error = ConnectorHostError(.invalidRequest, response.failure ?? "refused to connect to a non-public address")
            return result
        }
        result.seconds = response.seconds
        if response.failure == nil {
            result.status = response.status
            for (name, value) in response.headers { result.headers[name] = value }
            if !response.body.isEmpty {
                result.body = (try? JSONValue(parsing: response.body)) ?? .string(String(decoding: response.body, as: UTF8.self))
            }
            if let schema = operation.responseSchema, let body = result.body {
                result.schemaMismatches = JSONSchemaCheck.mismatches(body, against: schema)
            }
        }
        let reply = exchange.reply(to: response).outcome
        if reply.status != .ok, let code = reply.status.errorCode {
            result.error = ConnectorHostError(code, reply.message ?? "\(operationName) failed", retryAfter: reply.retryAfter)
        }
        return result
    }

    /// The request with every secret replaced by `********`: credential values
    /// marked sensitive, wherever they appear, and every Authorization header.
    static func masked(_ request: HTTPRequest, secrets: [String]) -> OperationTestResult.SentRequest {
        func mask(_ text: String) -> String {
            secrets.reduce(text) { text, secret in
                text.replacingOccurrences(of: secret, with: "********")
                    .replacingOccurrences(of: percentEncoded(secret), with: "********")
            }
        }
        var headers: [String: String] = [:]
        for (name, value) in request.headers {
            if name.caseInsensitiveCompare("Authorization") == .orderedSame {
                headers[name] = (value.split(separator: " ").first.map { "\($0) " } ?? "") + "********"
            } else {
                headers[name] = mask(value)
            }
        }
        if request.basicCredentials != nil { headers["Authorization"] = "Basic ********" }
        let body = request.body.flatMap { try? JSONValue(parsing: Array(mask(String(decoding: $0, as: UTF8.self)).utf8)) }
        return OperationTestResult.SentRequest(method: request.method, url: mask(request.url), headers: headers, body: body)
    }
}
