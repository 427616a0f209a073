import ConnectorHost
import Testing

/// The Swift reference plugin proves the ABI from Swift (`@_cdecl` entry point,
/// host allocator, host log).
@Suite(.timeLimit(.minutes(5))) struct HelloSwiftTests {
    @Test func loadsAndAnswers() async throws {
        let host = try await TestSupport.runningHost(
            configuration: HostConfiguration(pluginDirectory: TestSupport.pluginDirectory), logger: TestSupport.quietLogger
        )
        let hello = try host.connector(named: "hello-swift")
        #expect(hello.description.isThreadSafe == false)
        #expect(hello.description.maxConcurrency == 1)
        let session = try await hello.openSession([])
        let created = try TestSupport.object(await hello.call(
            .entityCreate, request: TestSupport.json(["fields": ["text": "Hallo"]]), session: session
        ))
        let id = try #require(created["id"] as? String)
        let fetched = try TestSupport.object(await hello.call(
            .entityGet, request: TestSupport.json(["entityId": id]), session: session
        ))
        #expect((fetched["fields"] as? [String: Any])?["text"] as? String == "Hallo")
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await hello.call(.entityCreate, request: TestSupport.json(["fields": [:]]), session: session)
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message == "hello-swift rejected entity.create as invalid: fields.text (a string) is required")
        // A negative page (schemathesis sent one) is refused, not a trap that kills the worker.
        let negative = await #expect(throws: ConnectorHostError.self) {
            _ = try await hello.call(.entityList, request: TestSupport.json(["maxResults": -2]), session: session)
        }
        #expect(negative?.code == .invalidRequest)
        let page = try TestSupport.object(await hello.call(.entityList, request: TestSupport.json(["maxResults": 2]), session: session))
        #expect(page["maxResults"] as? Int == 2)
        try await hello.closeSession(session)
        await host.shutdown()
    }
}
