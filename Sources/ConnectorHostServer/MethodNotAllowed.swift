import HTTPTypes
import Hummingbird

/// 405: the host's error body with the `Allow` header.
struct MethodNotAllowed: HTTPResponseError {
    let allow: String
    let error: APIError

    var status: HTTPResponse.Status { .methodNotAllowed }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try error.response(from: request, context: context)
        response.headers[.allow] = allow
        return response
    }
}
