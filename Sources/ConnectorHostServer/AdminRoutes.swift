import ConnectorHost
import ConnectorHostRegistry
import Hummingbird

/// What only the admin token may do: orgs and their tokens, the audit trail.
enum AdminRoutes {
    struct NewOrg: Decodable {
        let id: String
        let name: String
    }

    struct IssuedToken: Encodable {
        let id: String
        let org: String
        let token: String
    }

    struct IssuedAdminToken: Encodable {
        let id: String
        let token: String
    }

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        let admin = router.group("admin")
        admin.post("orgs") { request, context in
            try context.requireAdmin()
            let body = try await request.decodeJSON(NewOrg.self, limit: 64 << 10)
            return JSONBody.response(try await state.registry.createOrg(id: body.id, name: body.name, by: .admin), status: .created)
        }
        admin.get("orgs") { _, context in
            try context.requireAdmin()
            return JSONBody.response(["orgs": try await state.registry.orgs()])
        }
        admin.post("orgs/:orgId/tokens") { _, context in
            try context.requireAdmin()
            let org = try parameter("orgId", context)
            let issued = try await state.registry.issueToken(for: org, by: .admin)
            return JSONBody.response(IssuedToken(id: issued.id, org: org, token: issued.token), status: .created)
        }
        admin.post("tokens") { _, context in
            try context.requireAdmin()
            let issued = try await state.registry.issueAdminToken(by: .admin)
            return JSONBody.response(IssuedAdminToken(id: issued.id, token: issued.token), status: .created)
        }
        admin.get("tokens") { _, context in
            try context.requireAdmin()
            return JSONBody.response(["tokens": try await state.registry.tokens()])
        }
        admin.delete("tokens/:tokenId") { _, context in
            try context.requireAdmin()
            let id = try parameter("tokenId", context)
            guard id != context.tokenId else {
                throw ConnectorHostError(
                    .conflict, "a token cannot revoke itself; revoke '\(id)' with another admin token (POST /admin/tokens issues one)"
                )
            }
            try await state.registry.revokeToken(id: id, by: .admin)
            return JSONBody.response(["revoked": true])
        }
        admin.get("audit") { _, context in
            try context.requireAdmin()
            return JSONBody.response(["entries": try await state.registry.auditTrail()])
        }
    }
}
