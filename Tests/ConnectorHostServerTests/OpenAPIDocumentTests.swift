@testable import ConnectorHostServer
import Foundation
import OpenAPIKit30
import Testing

/// The OpenAPI document against OpenAPIKit's validation and against the router.
@Suite(.timeLimit(.minutes(5))) struct OpenAPIDocumentTests {
    /// `GET /plugins/{name}` and `GET /plugins/:name` alike: `GET /plugins/{}`.
    static func normalized(_ method: String, _ path: String) -> String {
        let segments = path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : String($0) }
        return "\(method.uppercased()) /" + segments.joined(separator: "/")
    }

    @Test func theDocumentParsesAndValidates() throws {
        let document = try JSONDecoder().decode(OpenAPI.Document.self, from: Data(OpenAPIDocument.json))
        #expect(document.openAPIVersion == .v3_0_3)
        _ = try document.validate()
    }

    /// Against the document as served.
    @Test func everyRouteIsDescribedAndEveryDescriptionIsARoute() async throws {
        let server = try await ControlPlaneTests.devServer()
        let answer = try await server.request("GET", "openapi.json")
        #expect(answer.status == 200)
        let document = try JSONDecoder().decode(OpenAPI.Document.self, from: answer.body)
        let routes = Set(server.server.router().routes.map { Self.normalized($0.method.rawValue, $0.path.description) })
        var described: Set<String> = []
        for route in document.routes {
            for endpoint in route.pathItem.endpoints {
                described.insert(Self.normalized(endpoint.method.rawValue, route.path.rawValue))
            }
        }
        #expect(routes.subtracting(described).isEmpty, "not described: \(routes.subtracting(described).sorted())")
        #expect(described.subtracting(routes).isEmpty, "no route: \(described.subtracting(routes).sorted())")
        await server.stop()
    }

    @Test func noTwoPathTemplatesMatchTheSameConcretePath() {
        let templates = OpenAPIDocument.document.paths.keys.map { $0.components }
        for (index, lhs) in templates.enumerated() {
            for rhs in templates[(index + 1)...] where lhs.count == rhs.count {
                let same = zip(lhs, rhs).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && $1.hasPrefix("{")) }
                #expect(!same, "\(lhs.joined(separator: "/")) and \(rhs.joined(separator: "/")) are one template")
            }
        }
    }

    @Test func everyOperationHasAnIdASuccessAndItsErrorAnswers() throws {
        var ids: Set<String> = []
        for route in OpenAPIDocument.document.routes {
            for endpoint in route.pathItem.endpoints {
                let operation = endpoint.operation
                let name = "\(endpoint.method.rawValue) \(route.path.rawValue)"
                let id = try #require(operation.operationId, "\(name) has no operationId")
                #expect(ids.insert(id).inserted, "\(name): operationId \(id) twice")
                #expect(!(operation.tags ?? []).isEmpty, "\(name) has no tag")
                let codes = operation.responses.keys.compactMap { code -> Int? in
                    if case .status(let value) = code.value { return value }
                    return nil
                }
                #expect(codes.contains { (200...299).contains($0) }, "\(name) has no 2xx")
                #expect(!operation.responses.keys.contains { $0.rawValue.hasSuffix("XX") || $0 == .default }, "\(name): a range")
                if operation.security != [] {
                    #expect(codes.contains(401) && codes.contains(503), "\(name)")
                }
                if operation.requestBody != nil {
                    #expect(codes.contains(400) && codes.contains(413), "\(name)")
                }
                for (code, response) in operation.responses {
                    guard let response = response.b else { continue }
                    if code.rawValue.hasPrefix("4") || code.rawValue.hasPrefix("5") {
                        #expect(response.content[.json]?.schema != nil, "\(name) \(code.rawValue) has no body schema")
                    }
                    if code.rawValue == "429" || code.rawValue == "503" {
                        #expect(response.headers?["Retry-After"] != nil, "\(name) \(code.rawValue) has no Retry-After")
                    }
                }
                if route.path.rawValue.contains("/sdk-api/") && !route.path.rawValue.hasSuffix("/session") {
                    #expect(operation.parameters.contains { $0.b?.name == "connector-credentials" }, "\(name)")
                    #expect(codes.contains(429), "\(name)")
                }
            }
        }
    }

    @Test func adminRoutesAreMarkedAndMetricsArePlainText() throws {
        let document = OpenAPIDocument.document
        for (path, method) in [("/admin/orgs", OpenAPI.BuiltinHttpMethod.get), ("/plugins/{name}/pause", .post)] {
            let operation = try #require(document.paths[OpenAPI.Path(rawValue: path)]?.b?[method])
            #expect(operation.vendorExtensions["x-admin-only"] == true)
            #expect(operation.security?.first?.keys.first == .component(named: "adminAuthToken"))
        }
        let metrics = try #require(document.paths["/metrics"]?.b?.get)
        #expect(metrics.responses[200]?.b?.content.keys.map(\.rawValue) == ["text/plain"])
        let health = try #require(document.paths["/healthz"]?.b?.get)
        #expect(health.security == [])
    }

    @Test func aMethodAPathDoesNotTakeIsAnswered405WithAllow() async throws {
        let server = try await ControlPlaneTests.devServer()
        let patch = try await server.request("PATCH", "plugins")
        #expect(patch.status == 405)
        #expect(patch.headers["allow"] == "GET")
        #expect((patch.json["error"] as? [String: Any])?["code"] as? String == "invalid_request")

        let entity = try await server.request("PATCH", "connectors/tracker/sdk-api/api/1.0/entities/bug/12")
        #expect(entity.status == 405)
        #expect(entity.headers["allow"] == "DELETE, PUT")
        // The constant segment wins, as in the router: search takes only POST.
        let search = try await server.request("GET", "connectors/tracker/sdk-api/api/1.0/entities/bug/search")
        #expect(search.status == 405)
        #expect(search.headers["allow"] == "POST")

        #expect(try await server.request("DELETE", "healthz", token: nil).headers["allow"] == "GET")
        #expect(try await server.request("GET", "no/such/path").status == 404)
        await server.stop()
    }
}
