import ConnectorHost
import Foundation
import HTTPTypes
import Hummingbird

/// An error answer: the status comes from the host's taxonomy, the body from
/// the API family the route belongs to.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    let body: [UInt8]
    let retryAfter: Duration?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter {
            headers[.retryAfter] = String(retryAfter.retryAfterSeconds)
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    init(status: HTTPResponse.Status, body: some Encodable, retryAfter: Duration? = nil) {
        self.status = status
        self.body = JSONBody.encode(body)
        self.retryAfter = retryAfter
    }

    /// The host's own shape: `{"error": {"code", "message"}}`.
    static func plain(_ error: ConnectorHostError) -> APIError {
        APIError(
            status: error.code.httpStatus, body: ["error": ConnectorHostError.Summary(restOf: error)], retryAfter: error.retryAfter
        )
    }
}

/// JSON answers, with sorted keys so that output is stable.
enum JSONBody {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init) ?? Array(#"{"error":{"code":"unavailable","message":"the answer could not be encoded"}}"#.utf8)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        response(bytes: encode(value), status: status)
    }

    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// The body, at most `limit` bytes.
    ///
    /// - Throws: `invalid_request` when it is larger (answered 413).
    func collectBody(limit: Int) async throws(ConnectorHostError) -> [UInt8] {
        do {
            let buffer = try await body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw ConnectorHostError(.invalidRequest, "the request body is larger than \(limit) bytes")
        }
    }

    /// The body as JSON of `type`.
    ///
    /// - Throws: `invalid_request` naming what is malformed or missing.
    func decodeJSON<Value: Decodable>(_ type: Value.Type, limit: Int) async throws(ConnectorHostError) -> Value {
        let bytes = try await collectBody(limit: limit)
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ConnectorHostError(.invalidRequest, "the request body is not valid: \(DecodingProblem.describe(error))")
        } catch {
            throw ConnectorHostError(.invalidRequest, "the request body is not valid JSON")
        }
    }
}

/// A decoding error as a person reads it: "name is missing", "version must be a string".
enum DecodingProblem {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the body" : path
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "the body" ? "\(key.stringValue) is missing" : "\(parent).\(key.stringValue) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context)) is not valid"
        @unknown default:
            return "it does not have the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
