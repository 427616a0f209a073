@testable import ConnectorHostServer
import Foundation
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
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "curl", "-s", "--max-time", "20", "-X", "POST", "-H", "authToken: \(ServerFixture.adminToken)",
            "-H", "Content-Length: \(1 << 40)", "--data", "", "-w", "\n%{http_code}",
            server.base.appendingPathComponent("admin/orgs").absoluteString,
        ]
        process.standardOutput = output
        try process.run()
        // Read on a thread of its own: the server answering curl needs the
        // cooperative threads this test would otherwise hold.
        let data = await withCheckedContinuation { continuation in
            Thread {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.last == "413")
        #expect(lines.first?.contains(#""code":"invalid_request""#) == true, "\(lines)")
        await server.stop()
    }
}
