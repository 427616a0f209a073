import ConnectorHost
import ConnectorHostRegistry
import HTTPTypes
import Hummingbird

/// The Jitterbit-compatible registration API under `/orgs/{orgId}/connector`.
/// Answers carry `status` and `operation`; entity IDs are strings, as there.
enum RegistrationRoutes {
    struct RegisterBody: Decodable {
        let name: String
        let version: String
    }

    struct SecurityInfoBody: Decodable {
        let name: String
        let key: String
        let secret: String
    }

    struct Registered: Encodable {
        var status = true
        var operation = Operation.register
        let id: String
        let key: String
        let secret: String
        let endpointEntityId: String
        let functionEntityStartId: String
        let functionEntityEndId: String
    }

    struct Listed: Encodable {
        let id: String
        let name: String
        let version: String
        let key: String
        let secret = "********"
        let endpointEntityId: String
        let functionEntityStartId: String
        let functionEntityEndId: String

        init(_ registration: Registration) {
            id = registration.id
            name = registration.name
            version = registration.version
            key = registration.key
            endpointEntityId = String(registration.endpointEntityId)
            functionEntityStartId = String(registration.functionEntityIds.lowerBound)
            functionEntityEndId = String(registration.functionEntityIds.upperBound)
        }
    }

    struct Listing: Encodable {
        var status = true
        var operation = Operation.list
        let registeredConnectorList: [Listed]
    }

    struct Outcome: Encodable {
        let status: Bool
        let operation: String
    }

    struct Failure: Encodable {
        var status = false
        let operation: String
        let error: ConnectorHostError.Summary
    }

    /// The operations, as Jitterbit names them in its answers.
    enum Operation {
        static let register = "Register a connector"
        static let list = "List registered connectors"
        static let delete = "Delete a connector"
        static let deleteUIPayload = "Delete connector UI payload"
        static let validate = "Validate connector security info"
        /// A path under `/orgs` that is no operation.
        static let unknown = "Unknown operation"
    }

    /// The operation a request under `/orgs` names, by the route it would take
    /// (`segments` are the path's, from `orgs` on), so that a failure before
    /// the route runs names it too.
    static func operation(method: HTTPRequest.Method, path segments: [String]) -> String {
        guard segments.count >= 3, segments[2] == "connector" else { return Operation.unknown }
        switch (method, Array(segments.dropFirst(3))) {
        case (.post, []): return Operation.register
        case (.get, []): return Operation.list
        case (.put, ["validate", "securityinfo"]): return Operation.validate
        case (.delete, let rest) where rest.count == 1: return Operation.delete
        case (.delete, let rest) where rest.count == 3 && rest[1] == "sdk" && rest[2] == "delete":
            return Operation.deleteUIPayload
        default: return Operation.unknown
        }
    }

    /// A failure in the Jitterbit shape: `status: false` with the operation.
    static func failure(_ operation: String, _ error: ConnectorHostError) -> APIError {
        APIError(
            status: error.code.httpStatus, body: Failure(operation: operation, error: ConnectorHostError.Summary(restOf: error)),
            retryAfter: error.retryAfter
        )
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        let limit = 64 << 10
        let connectors = router.group("orgs/:orgId/connector")
        connectors.post { request, context in
            try await answer(Operation.register) { () async throws(ConnectorHostError) -> Response in
                let (org, principal) = try await orgAccess(context, state)
                let body = try await request.decodeJSON(RegisterBody.self, limit: limit)
                let new = try await state.registry.register(
                    org: org, name: body.name.trimmingCharacters(in: .whitespaces),
                    version: body.version.trimmingCharacters(in: .whitespaces), by: principal
                )
                let registration = new.registration
                return JSONBody.response(Registered(
                    id: registration.id, key: registration.key, secret: new.secret,
                    endpointEntityId: String(registration.endpointEntityId),
                    functionEntityStartId: String(registration.functionEntityIds.lowerBound),
                    functionEntityEndId: String(registration.functionEntityIds.upperBound)
                ))
            }
        }
        connectors.get { _, context in
            try await answer(Operation.list) { () async throws(ConnectorHostError) -> Response in
                let (org, _) = try await orgAccess(context, state)
                return JSONBody.response(Listing(registeredConnectorList: try await state.registry.registrations(org: org).map(Listed.init)))
            }
        }
        connectors.delete(":connectorId") { _, context in
            try await answer(Operation.delete) { () async throws(ConnectorHostError) -> Response in
                let (org, principal) = try await orgAccess(context, state)
                let id = try parameter("connectorId", context)
                try await state.registry.deleteRegistration(org: org, id: id, by: principal)
                return JSONBody.response(Outcome(status: true, operation: Operation.delete))
            }
        }
        connectors.delete(":connectorId/sdk/delete") { _, context in
            try await answer(Operation.deleteUIPayload) { () async throws(ConnectorHostError) -> Response in
                let (org, principal) = try await orgAccess(context, state)
                try await state.registry.deleteUIPayload(org: org, id: try parameter("connectorId", context), by: principal)
                return JSONBody.response(Outcome(status: true, operation: Operation.deleteUIPayload))
            }
        }
        connectors.put("validate/securityinfo") { request, context in
            try await answer(Operation.validate) { () async throws(ConnectorHostError) -> Response in
                let (org, _) = try await orgAccess(context, state)
                let body = try await request.decodeJSON(SecurityInfoBody.self, limit: limit)
                let valid = try await state.registry.validateSecurityInfo(org: org, name: body.name, key: body.key, secret: body.secret)
                return JSONBody.response(Outcome(status: valid, operation: Operation.validate))
            }
        }
    }

    /// The org of the path, which the caller must act for and which must exist.
    private static func orgAccess(_ context: AppRequestContext, _ state: ServerState) async throws(ConnectorHostError)
        -> (String, Principal)
    {
        let principal = try context.requirePrincipal()
        let org = try parameter("orgId", context)
        guard principal.mayAct(for: org) else {
            throw ConnectorHostError(.unauthorized, "your token belongs to another org than '\(org)'")
        }
        guard try await state.registry.orgExists(org) else { throw ConnectorHostError(.notFound, "no org '\(org)'") }
        return (org, principal)
    }

    /// Runs a route, answering its failure in the Jitterbit shape.
    private static func answer(
        _ operation: String, _ body: () async throws(ConnectorHostError) -> Response
    ) async throws -> Response {
        do {
            return try await body()
        } catch {
            throw failure(operation, error)
        }
    }
}

/// A path parameter.
func parameter(_ name: String, _ context: AppRequestContext) throws(ConnectorHostError) -> String {
    guard let value = context.parameters.get(name) else {
        throw ConnectorHostError(.invalidRequest, "the path has no \(name)")
    }
    return value
}
