@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

/// A declarative list operation's pages walked by the host, against a real
/// paged server (Tests/http/pages_server.py: 23 items, 5 per page): by
/// offset, page number, cursor and Link header, a repeated page stopping the
/// walk, and `max_pages` saying the answer is not complete.
@Suite(.timeLimit(.minutes(2))) struct PaginationTests {
    static func document(port: Int) -> String {
        DeclarativeConnectorTests.document(name: "paged", auth: "auth_type: none", operations: """
              - name: by_offset
                method: GET
                path: /offset
                pagination: {type: offset, items: /results, page_size: 5}
              - name: by_page
                method: GET
                path: /page
                pagination: {type: page, items: /data/items, page_size: 5, size_parameter: per_page}
              - name: by_cursor
                method: GET
                path: /cursor
                pagination: {type: cursor, items: /results, next_cursor: /next}
              - name: by_link
                method: GET
                path: /linked
                pagination: {type: link, items: /results}
              - name: stuck
                method: GET
                path: /stuck
                pagination: {type: offset, items: /results, page_size: 5}
              - name: capped
                method: GET
                path: /offset
                pagination: {type: offset, items: /results, page_size: 5, max_pages: 2}
            """, port: port)
    }

    @Test func everyStyleWalksEveryPageOnce() async throws {
        let server = try LoopbackServer.start("pages_server.py")
        let host = try await DeclarativeConnectorTests.host(["paged.connector.yaml": Self.document(port: server.port)])
        let all = JSONValue.array((1...23).map { .object(["id": .integer(Int64($0))]) })
        for operation in ["by_offset", "by_page", "by_cursor", "by_link"] {
            let answer = try await DeclarativeConnectorTests.call(host, "paged", operation)
            #expect(answer["items"] == all, "\(operation): every item, once, in order")
            #expect(answer["pages"] == 5, "\(operation)")
            #expect(answer["complete"] == true, "\(operation)")
        }
        let capped = try await DeclarativeConnectorTests.call(host, "paged", "capped")
        #expect(capped["items"]?.arrayValue?.count == 10)
        #expect(capped["complete"] == false, "max_pages stopped the walk, and the answer says so")

        let stuck = await hostError { () throws(ConnectorHostError) in try await DeclarativeConnectorTests.call(host, "paged", "stuck") }
        #expect(stuck?.code == .pluginError)
        #expect(stuck?.message.contains("page 2 of stuck repeats page 1") == true, "\(stuck?.message ?? "")")
        await host.shutdown()
    }

    @Test func aPaginationThatBreaksTheRulesIsNamed() {
        let text = DeclarativeConnectorTests.document(name: "bad", auth: "auth_type: none", operations: """
              - name: list
                method: GET
                path: /x
                pagination: {type: scroll, items: results, page_size: 0}
            """, port: 9)
        let error = #expect(throws: ConnectorHostError.self) { _ = try ConnectorDocument.read(Array(text.utf8), source: "bad") }
        for expected in [
            #"operations[0].pagination.type: must be one of offset, page, cursor, link, got "scroll""#,
            #"operations[0].pagination.items: must be a JSON pointer such as /results, got "results""#,
            "operations[0].pagination.page_size: must be a whole number from 1 to 10000",
        ] {
            #expect(error?.message.contains(expected) == true, "missing: \(expected)")
        }
    }
}
