import ConnectorHost
import Hummingbird

/// `POST /connectors/{connectorId}/functions/{entityIdOrName}`: calls a custom
/// function with the body's JSON array of arguments; answers `{"result": value}`,
/// and errors as the connector's SDK routes do, `{"errors": {code, message, detail}}`.
/// A function that takes its context runs in the session its headers name,
/// as an SDK route's operation does (``SDKSessionSettings``).
enum FunctionRoutes {
    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        router.post("connectors/:connectorId/functions/:function") { request, context in
            // Beside the SDK routes of the same connector: errors in the same shape.
            do throws(ConnectorHostError) {
                let principal = try context.requirePrincipal()
                let name = try parameter("connectorId", context)
                let connector = try await state.callableConnector(name, for: principal)
                let arguments = try await request.collectBody(limit: 1 << 20)
                let settings = try await SDKSessionSettings.settings(
                    request, connector: connector, principal: principal, state: state
                )
                let result = try await connector.callFunction(
                    FunctionReference(try parameter("function", context)), arguments: arguments, credentials: settings
                )
                return JSONBody.response(bytes: Array(#"{"result":"#.utf8) + result.json + Array("}".utf8))
            } catch {
                throw SDKRoutes.sdkError(error)
            }
        }
    }
}
