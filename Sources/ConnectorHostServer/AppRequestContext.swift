import ConnectorHost
import ConnectorHostRegistry
import Hummingbird

/// The request context of every route: who is calling, once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling: set by the server's token authentication for every route but `/healthz`.
    public var principal: Principal? {
        didSet { caller.principal = principal }
    }
    /// The ID of the token the caller presented, for the audit trail.
    public var tokenId: String?
    /// Shared with the middleware above authentication (the access log).
    let caller = RequestCaller()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The caller.
    ///
    /// - Throws: `unauthorized` when the request carried no valid token.
    func requirePrincipal() throws(ConnectorHostError) -> Principal {
        guard let principal else { throw ConnectorHostError(.unauthorized, "this endpoint needs a token") }
        return principal
    }

    /// The caller, who must be an admin.
    func requireAdmin() throws(ConnectorHostError) {
        guard try requirePrincipal() == .admin else {
            throw ConnectorHostError(.unauthorized, "this endpoint needs an admin token")
        }
    }

    /// Who did it, as the audit trail records it: the principal and the token.
    var actor: String {
        "\(principal?.description ?? "anonymous") (token \(tokenId ?? "none"))"
    }
}
