@testable import ConnectorHostServer
import Foundation
import SharedTestSupport
import Hummingbird
import Testing

/// Which methods a path takes, as the 405 answer says, and the body limit's 413.
@Suite(.timeLimit(.minutes(5))) struct RouteTableTests {
    static func table() -> RouteTable {
        let router = Router(context: AppRequestContext.self)
        router.get("items/:id") { _, _ in "" }
        router.delete("items/:id") { _, _ in "" }
        router.post("items/:id/search") { _, _ in "" }
        router.put("items/:id/:part") { _, _ in "" }
        router.get("items/:id/history") { _, _ in "" }
        return RouteTable(router.routes)
    }

    @Test func aPathTakesTheMethodsOfItsMostConstantTemplate() {
        let table = Self.table()
        #expect(table.allowedMethods(for: "/items/7") == ["DELETE", "GET"])
        #expect(table.allowedMethods(for: "/items/7/search") == ["POST"])
        #expect(table.allowedMethods(for: "/items/7/history") == ["GET"])
        #expect(table.allowedMethods(for: "/items/7/other") == ["PUT"])
        #expect(table.allowedMethods(for: "/items") == [])
        #expect(table.allowedMethods(for: "/items/7/search/more") == [])
    }

    @Test func onlyAMethodThePathDoesNotTakeIsRefused() {
        let table = Self.table()
        #expect(table.refuses("PATCH", path: "/items/7"))
        #expect(!table.refuses("GET", path: "/items/7"))
        #expect(!table.refuses("GET", path: "/nothing/here"))
    }

    @Test func aDeclaredBodyOverTheLimitIsAnswered413() async throws {
        let server = try await ControlPlaneTests.devServer()
        let answer = try await ChildProcess.run([
            "curl", "-s", "--max-time", "20", "-X", "POST", "-H", "authToken: \(ServerFixture.adminToken)",
            "-H", "Content-Length: \(1 << 40)", "--data", "", "-w", "\n%{http_code}",
            try server.base.appendingPathComponent("admin/orgs").absoluteString,
        ])
        let lines = answer.outputText.split(separator: "\n")
        #expect(lines.last == "413")
        #expect(lines.first?.contains(#""code":"invalid_request""#) == true, "\(lines)")
        await server.stop()
    }
}
