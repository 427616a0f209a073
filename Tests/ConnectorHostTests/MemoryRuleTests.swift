@testable import ConnectorHost
@testable import ConnectorHostRuntime
import ConnectorHostABI
import Foundation
import Testing

/// The header's memory rules are enforced, the same in either runtime: the
/// host tells its own blocks from anything else and never frees a foreign one.
@Suite(.timeLimit(.minutes(2))) struct MemoryRuleTests {
    static func call(_ fixture: String, trusted: Bool) async throws -> ConnectorHostError? {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["\(fixture).so": TestSupport.fixture(fixture)])
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        if trusted { configuration.trustedPlugins = [fixture] }
        var policy = ResilienceOverrides()
        policy.maxRetries = 0
        configuration.pluginResilience[fixture] = policy
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        let connector = try host.connector(named: fixture)
        let session = try await connector.openSession([])
        let error = await failure { () async throws(ConnectorHostError) in
            _ = try await connector.call(.entityGet, request: Array(#"{"entityId":"1"}"#.utf8), session: session)
        }
        // The host is still whole: the plugin answers its next call.
        _ = try await connector.call(.serverInfo, session: session)
        await host.shutdown()
        return error
    }

    @Test(arguments: [
        ("hostile-malloc-body", "response->body was not allocated with host->allocate"),
        ("hostile-literal-body", "response->body was not allocated with host->allocate"),
        ("hostile-nul-body", "response->body_length (3) counts the C string's terminating NUL"),
        ("hostile-huge", "over CH_MAX_RESPONSE_BYTES (16777216)"),
        ("hostile-long-message", "xxxx … (cut at CH_MAX_MESSAGE_BYTES, 32768 bytes)"),
    ], [false, true])
    func aBrokenMemoryRuleIsAPluginErrorThatSaysWhich(case: (String, String), trusted: Bool) async throws {
        let error = try await Self.call(`case`.0, trusted: trusted)
        #expect(error?.code == .pluginError, "\(`case`.0) trusted: \(trusted)")
        #expect(error?.message.contains(`case`.1) == true, "\(String(error?.message.prefix(300) ?? ""))")
        #expect((error?.message.utf8.count ?? 0) < Int(CH_MAX_MESSAGE_BYTES) + 200, "a message fits a frame beside the largest body")
    }
}
