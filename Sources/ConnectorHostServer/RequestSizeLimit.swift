import ConnectorHost
import HTTPTypes
import Hummingbird

/// Refuses a request whose declared body is larger than the server takes,
/// before any of it is read: 413 in the host's shape. A body sent without a
/// length and found too large while read is answered 400 by the route.
struct RequestSizeLimit: RouterMiddleware {
    typealias Context = AppRequestContext

    let limit: Int

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError(
                status: .contentTooLarge,
                body: ["error": ConnectorHostError.Summary(ConnectorHostError(
                    .invalidRequest, "the request body is \(length) bytes; the server takes at most \(limit)"
                ))]
            )
        }
        return try await next(request, context)
    }
}
