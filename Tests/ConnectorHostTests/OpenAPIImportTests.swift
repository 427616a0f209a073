@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

/// A draft connector document from an OpenAPI description, served as it
/// comes out (Fixtures/openapi/echo.openapi.yaml, against a real httpbin).
@Suite(.timeLimit(.minutes(2))) struct OpenAPIImportTests {
    @Test func anImportedDescriptionServesAsItComesOut() async throws {
        let httpbin = try LoopbackServer.httpbin()
        let directory = try TestSupport.temporaryDirectory()
        let description = directory.appendingPathComponent("echo.openapi.yaml")
        let template = try String(
            contentsOf: TestSupport.root.appendingPathComponent("Tests/ConnectorHostTests/Fixtures/openapi/echo.openapi.yaml"),
            encoding: .utf8
        )
        try Data(template.replacingOccurrences(of: "SERVER", with: httpbin.url).utf8).write(to: description)

        let draft = try OpenAPIImport.draft(fromFileAt: description.path)
        #expect(draft.problems.isEmpty, "\(draft.problems)")
        #expect(draft.notes.contains(#"info.version "2024.1" is not a semantic version; the draft says 1.0.0"#))
        #expect(draft.notes.contains(#"getAnything: parameter "session" in cookie has no builder equivalent; left out"#))
        let document = try ConnectorDocument.read(Array(draft.yaml.utf8), source: "draft")
        #expect(document.slug == "httpbin-echo")
        #expect(document.auth == .basic)
        #expect(document.operations.map(\.name) == ["getAnything", "create_thing"])
        let get = try #require(document.operations.first)
        #expect(get.parameters.map(\.name) == ["id", "q", "limit"], "path-item, operation and referenced parameters")
        #expect(get.parameters.last?.defaultValue == .integer(10))
        #expect(get.responseSchema?["required"] == ["url"], "the response schema, its reference followed")
        #expect(document.operations.last?.idempotent == false, "a POST")

        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try Data(draft.yaml.utf8).write(to: plugins.appendingPathComponent("echo.connector.yaml"))
        let host = try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: plugins.path), logger: TestSupport.quietLogger
        )
        let answer = try await DeclarativeConnectorTests.call(
            host, "httpbin-echo", "getAnything", #"{"id": "7", "q": "x"}"#,
            [SessionSetting(key: "username", value: "u"), SessionSetting(key: "password", value: "p", sensitive: true)]
        )
        #expect(answer["url"]?.stringValue == "\(httpbin.url)/anything/7?q=x&limit=10")
        await host.shutdown()
    }

    @Test func aDescriptionThatIsNotOpenAPI3IsRefused() throws {
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("swagger.yaml")
        try Data("swagger: \"2.0\"\ninfo: {title: Old, version: 1.0.0}\npaths: {}\n".utf8).write(to: file)
        let error = #expect(throws: ConnectorHostError.self) { _ = try OpenAPIImport.draft(fromFileAt: file.path) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("not an OpenAPI 3 description") == true)
    }
}
