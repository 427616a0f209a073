import Foundation
import OpenAPIKit30

/// The OpenAPI 3.0 description of the whole REST API, served at
/// `/openapi.json`, built with OpenAPIKit from each API family's endpoints.
/// The tests hold it against the router: every route is described, and every
/// description is a route.
///
/// OpenAPI 3.0 rather than 3.1: the tools clients generate code with and the
/// schemathesis run of `make test` read 3.0 completely, and nothing here
/// needs what 3.1 adds.
enum OpenAPIDocument {
    static var endpoints: [APIEndpoint] {
        ControlPlaneAPI.endpoints + RegistrationAPI.endpoints + CatalogueAPI.endpoints + ConnectorSDKAPI.endpoints
            + BuilderAPI.endpoints + ConnectionAPI.endpoints
    }

    static let document: OpenAPI.Document = {
        var paths: OpenAPI.PathItem.Map = [:]
        for endpoint in endpoints {
            let path = OpenAPI.Path(rawValue: endpoint.path)
            var item = paths[path]?.pathItemValue ?? OpenAPI.PathItem()
            item.set(operation: endpoint.operation, for: endpoint.method)
            paths[path] = .b(item)
        }
        return OpenAPI.Document(
            openAPIVersion: .v3_0_3,
            info: .init(
                title: "ConnectorHost",
                description: """
                    Registration (Jitterbit-compatible), catalogue (Obsrv-compatible), control plane and connector \
                    calls (OpsHub SDK-compatible). Each family answers errors in its own shape (HostError, \
                    RegistrationFailure, CatalogueFailure, SDKError), also for a refused token, an unknown path or a \
                    method a path does not take under the family's prefix; a refused token is 400 on the connector \
                    SDK routes, where 401 means that the session is not valid and 403 rate limited. Operations marked x-admin-only \
                    take only the admin token (security adminAuthToken or adminBearer). Any path answers a method it \
                    does not take with 405 and an Allow header (components.responses.MethodNotAllowed).
                    """,
                version: "1.0.0"
            ),
            servers: [],
            paths: paths,
            components: OpenAPIComponents.components,
            security: [[.component(named: "authToken"): []], [.component(named: "bearer"): []]],
            tags: ["control plane", "admin", "registration", "catalogue", "connector SDK", "functions"]
        )
    }()

    static let json: [UInt8] = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The document is built from literals; if it could not be encoded the
        // tests would say so, and clients get a body that says what happened.
        return (try? encoder.encode(document)).map(Array.init)
            ?? Array(#"{"error":{"code":"unavailable","message":"the OpenAPI document could not be encoded"}}"#.utf8)
    }()
}
