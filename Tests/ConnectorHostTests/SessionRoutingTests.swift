@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// Calls routed by credentials: sessions opened lazily, reused, reopened once
/// when the plugin says a session is no longer valid; pages capped.
@Suite(.timeLimit(.minutes(5))) struct SessionRoutingTests {
    func connector(_ steps: [ScriptedRuntime.Step]) -> (Connector, ScriptedRuntime) {
        let fixture = GuardFixture(steps, interruptible: false)
        let connector = Connector(plugin: HostedPlugin(path: "/scripted.so", fileSHA256: nil, guarded: fixture.guarded, clock: fixture.clock))
        return (connector, fixture.runtime)
    }

    let alice = [SessionSetting(key: "user", value: "alice")]
    let bob = [SessionSetting(key: "user", value: "bob")]

    @Test func aSessionPerCredentialSetOpenedOnceAndReused() async throws {
        let (connector, runtime) = connector([.reply(.ok)])
        for _ in 0..<3 { _ = try await connector.call(.entityGet, credentials: alice) }
        _ = try await connector.call(.entityGet, credentials: bob)
        let opens = runtime.recorded.filter { $0.0 == .sessionOpen }
        #expect(opens.count == 2)
        #expect(opens.first?.1.contains("alice") == true)
        #expect(runtime.recorded.filter { $0.0 == .entityGet }.count == 4)
    }

    @Test func anInvalidSessionIsReopenedOnce() async throws {
        let (connector, runtime) = connector([.reply(.ok), .reply(.unauthorized), .reply(.ok), .reply(.ok)])
        _ = try await connector.call(.entityGet, credentials: alice)
        #expect(runtime.recorded.map(\.0) == [.sessionOpen, .entityGet, .sessionOpen, .entityGet])
    }

    @Test func onlyOnce() async throws {
        let (connector, runtime) = connector([.reply(.ok), .reply(.unauthorized), .reply(.ok), .reply(.unauthorized)])
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await connector.call(.entityGet, credentials: alice)
        }
        #expect(error?.code == .unauthorized)
        #expect(runtime.invocations == 4)
    }

    @Test func wrongCredentialsFailTheCall() async throws {
        let (connector, runtime) = connector([.reply(.unauthorized)])
        await #expect(throws: ConnectorHostError.self) { _ = try await connector.call(.entityGet, credentials: alice) }
        // The failed open was not kept: the next call tries again.
        await #expect(throws: ConnectorHostError.self) { _ = try await connector.call(.entityGet, credentials: alice) }
        #expect(runtime.recorded.filter { $0.0 == .sessionOpen }.count == 2)
    }

    @Test func thePluginIsNeverAskedForMoreThanItsMaxResults() async throws {
        let (connector, runtime) = connector([.reply(.ok), .body(#"{"maxResults": 10}"#), .body(#"{"entities": []}"#)])
        _ = try await connector.call(.entityList, request: Array(#"{"entityTypeId":"bug","maxResults":500}"#.utf8), credentials: alice)
        _ = try await connector.call(.entityList, request: Array(#"{"entityTypeId":"bug"}"#.utf8), credentials: alice)
        _ = try await connector.call(.entityList, request: Array(#"{"entityTypeId":"bug","maxResults":3}"#.utf8), credentials: alice)
        let lists = runtime.recorded.filter { $0.0 == .entityList }.map { try? JSONValue(parsing: Array($0.1.utf8)) }
        #expect(lists.map { $0?["maxResults"]?.integerValue } == [10, 10, 3])
        #expect(runtime.recorded.filter { $0.0 == .serverInfo }.count == 1, "server.info is asked once")
    }
}
