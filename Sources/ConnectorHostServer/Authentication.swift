import ConnectorHost
import ConnectorHostRegistry
import HTTPTypes
import Hummingbird

/// Every endpoint but `/healthz` and the console's page needs a token, in the `authToken` header (as
/// the Jitterbit API sends it) or as `Authorization: Bearer TOKEN`. A refusal
/// is a ``TokenRefused``, which ``JSONErrors`` answers in the shape of the
/// path's API family.
struct Authentication: RouterMiddleware {
    typealias Context = AppRequestContext

    let registry: Registry
    private static let authTokenField = HTTPField.Name("authToken")

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/healthz" || ConsoleRoutes.paths.contains(request.uri.path) {
            return try await next(request, context)
        }
        let token = Self.authTokenField.flatMap { request.headers[$0] }
            ?? request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let token, !token.isEmpty else {
            throw TokenRefused(error: ConnectorHostError(
                .unauthorized, "a token is needed: send it in the authToken header or as Authorization: Bearer TOKEN"
            ))
        }
        guard let identity = try await registry.identify(token) else {
            throw TokenRefused(error: ConnectorHostError(.unauthorized, "the token is not valid (unknown or revoked)"))
        }
        var context = context
        context.principal = identity.principal
        context.tokenId = identity.tokenId
        return try await next(request, context)
    }
}
