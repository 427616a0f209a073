import ConnectorHost
import ConnectorHostRegistry
import Hummingbird
import Logging
import Synchronization

/// One line per request, at info: method, path template (never the concrete
/// path, which may carry IDs a tenant chose), status, duration and who called
/// (`admin`, `org:ID` or `anonymous`) — never a token, a header or a body.
struct AccessLog: RouterMiddleware {
    typealias Context = AppRequestContext

    let logger: Logger

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            log(request, context, status: status, since: started)
            return response
        } catch {
            status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            log(request, context, status: status, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: AppRequestContext, status: Int, since started: ContinuousClock.Instant) {
        logger.info("request", metadata: [
            "method": "\(request.method)",
            "path": "\(context.endpointPath ?? "unmatched")",
            "status": "\(status)",
            "took": "\((ContinuousClock.now - started).secondsText)",
            "caller": "\(context.caller.principal?.description ?? "anonymous")",
        ])
    }
}

/// Who a request turned out to be from, for the access log: authentication
/// learns it below the log's middleware, and request contexts travel down only.
final class RequestCaller: Sendable {
    private let stored = Mutex<Principal?>(nil)

    var principal: Principal? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
