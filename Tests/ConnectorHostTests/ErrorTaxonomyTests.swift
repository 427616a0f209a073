import ConnectorHost
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct ErrorTaxonomyTests {
    @Test func everyCodeHasItsOwnExitStatus() {
        let codes = ConnectorHostError.Code.allCases
        #expect(codes.map(\.description) == [
            "invalid_request", "not_found", "unauthorized", "conflict", "abi_mismatch", "manifest_invalid",
            "plugin_error", "plugin_crashed", "timeout", "circuit_open", "rate_limited", "bulkhead_full", "unavailable",
        ])
        #expect(Set(codes.map(\.exitCode)).count == codes.count)
        // The README's table, fixed: a code added later takes a new number.
        #expect(codes.map(\.exitCode) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(codes.allSatisfy { $0.exitCode >= 2 && $0.exitCode < 64 })
        #expect(ConnectorHostError.Code(name: "timeout") == .timeout)
        #expect(ConnectorHostError.Code(name: "nonsense") == nil)
    }

    /// The README's exit-status table is the CLI's, row for row.
    @Test func theReadmeTableOfExitStatusesIsTheCLIs() throws {
        let readme = try String(contentsOf: TestSupport.root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "| code | exit | meaning |"), "the README's exit-status table")
        var documented: [String: Int32] = [:]
        for line in readme[start.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("| `") else { break }
            let columns = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[columns[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Int32(columns[1])
        }
        let codes = ConnectorHostError.Code.allCases
        #expect(documented == Dictionary(uniqueKeysWithValues: codes.map { ($0.description, $0.exitCode) }))
    }

    @Test func pluginStatusesMapToCodes() {
        func code(_ status: PluginReply.Status) -> ConnectorHostError.Code? {
            do {
                _ = try PluginReply(status: status, body: [], message: "m").successBody(plugin: "p", operation: "o")
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(.ok) == nil)
        #expect(code(.invalidRequest) == .invalidRequest)
        #expect(code(.notFound) == .notFound)
        #expect(code(.unauthorized) == .unauthorized)
        #expect(code(.rateLimited) == .rateLimited)
        #expect(code(.transient) == .pluginError)
        #expect(code(.permanent) == .pluginError)
        #expect(code(.unknown(17)) == .pluginError)
    }

    @Test func wrongCredentialsAtSessionOpenReadAsWrongCredentials() {
        let refused = PluginReply(status: .unauthorized, body: [], message: "no tracker user named 'x'")
        #expect(throws: ConnectorHostError.self) { try refused.successBody(plugin: "p", operation: "session.open") }
        do {
            _ = try refused.successBody(plugin: "p", operation: "session.open")
        } catch {
            #expect(error.message == "p session.open: the end system refused the credentials: no tracker user named 'x'")
        }
        do {
            _ = try refused.successBody(plugin: "p", operation: "entity.get")
        } catch {
            #expect(error.message.hasPrefix("p entity.get: the session is not valid"))
        }
    }
}
