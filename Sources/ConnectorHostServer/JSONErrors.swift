import ConnectorHost
import HTTPTypes
import Hummingbird

/// The outermost middleware: whatever fails below it — a route's or a
/// middleware's `ConnectorHostError`, a refused token, an unknown path, a
/// method a path does not take, a framework error — is answered with a JSON
/// body, never an empty one, in the shape of the path's API family
/// (``APIFamily``): a client of one of the compatible APIs reads every answer
/// under its prefix as that API's. Routes answer their own failures in the
/// same shapes. A path the router serves with other methods than the
/// request's is answered 405 with `Allow`.
struct JSONErrors: RouterMiddleware {
    typealias Context = AppRequestContext

    let routes: RouteTable

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        // Worked out only for a failure: an answer in its own shape needs none.
        var family: APIFamily { APIFamily(method: request.method, path: request.uri.path) }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let refusal as TokenRefused {
            throw family.tokenRefused(refusal.error)
        } catch let error as ConnectorHostError {
            throw family.error(error)
        } catch let error as HTTPError
            where error.status == .notFound && routes.refuses(request.method.rawValue, path: request.uri.path)
        {
            let allowed = routes.allowedMethods(for: request.uri.path).joined(separator: ", ")
            throw MethodNotAllowed(
                allow: allowed,
                error: family.error(
                    ConnectorHostError(.invalidRequest, "\(request.uri.path) does not take \(request.method); it takes \(allowed)"),
                    status: .methodNotAllowed
                )
            )
        } catch let error as HTTPError {
            let code: ConnectorHostError.Code =
                switch error.status.code {
                case 401: .unauthorized
                case 404: .notFound
                case 405: .invalidRequest
                case 409: .conflict
                case 400..<500: .invalidRequest
                default: .unavailable
                }
            let message: String =
                switch error.status.code {
                case 404: "no endpoint \(request.method) \(request.uri.path); see GET /openapi.json"
                case 405: "\(request.uri.path) does not take \(request.method); see GET /openapi.json"
                default: error.body ?? error.status.reasonPhrase
                }
            throw family.error(ConnectorHostError(code, message), status: error.status)
        } catch {
            context.logger.error("request failed unexpectedly", metadata: ["error": "\(error)"])
            throw family.error(
                ConnectorHostError(.unavailable, "the server failed to answer: \(error)"), status: .internalServerError
            )
        }
    }
}
