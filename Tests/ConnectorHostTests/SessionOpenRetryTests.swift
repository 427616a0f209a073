@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

/// A session's open is retried with the same ID when its first attempt timed
/// out in the host, and that attempt may have opened the session in the
/// plugin after all: the retry is answered as the first attempt was, and the
/// plugin holds one session, not two.
@Suite(.timeLimit(.minutes(1))) struct SessionOpenRetryTests {
    @Test func aRetriedOpenIsAnsweredAsTheFirstAndOpensNothingTwice() throws {
        let image = try PluginLoader.load(TestSupport.fixture("alpha"), logger: TestSupport.quietLogger)
        let runtime = InProcessRuntime(image: image)
        let session = SessionID(rawValue: 41)
        let context = PluginCallContext(timeLimit: nil)
        let first = try runtime.invokeSynchronously(.sessionOpen, session: session, body: Array("[]".utf8), context: context)
        let retried = try runtime.invokeSynchronously(.sessionOpen, session: session, body: Array("[]".utf8), context: context)
        #expect(first.status == .ok)
        #expect(retried.status == .ok)
        #expect(retried.body == first.body)
        #expect(try runtime.invokeSynchronously(.serverInfo, session: session, body: [], context: context).status == .ok)
        #expect(try runtime.invokeSynchronously(.sessionClose, session: session, body: [], context: context).status == .ok)
        let closedTwice = #expect(throws: ConnectorHostError.self) {
            try runtime.invokeSynchronously(.sessionClose, session: session, body: [], context: context)
        }
        #expect(closedTwice?.code == .notFound, "one session was open, and it is closed")
        runtime.closeAllSessions()
    }
}
