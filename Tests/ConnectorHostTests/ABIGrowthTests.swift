@testable import ConnectorHost
@testable import ConnectorHostRuntime
import ConnectorHostABI
import Foundation
import Testing

/// The ABI grows without breaking a built plugin: the host reads every
/// structure by the size the plugin declared, and the header works from C++.
@Suite(.timeLimit(.minutes(2))) struct ABIGrowthTests {
    static func host(_ fixtures: [String]) async throws -> ConnectorHost {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: Dictionary(uniqueKeysWithValues: fixtures.map {
            ("\($0).so", TestSupport.fixture($0))
        }))
        return try await TestSupport.runningHost(
            configuration: TestSupport.configuration(pluginDirectory: directory.path), logger: TestSupport.quietLogger
        )
    }

    @Test func anOlderLayoutAndAFutureOneBothLoadAndAnswer() async throws {
        let host = try await Self.host(["abi-older", "abi-future"])
        #expect(host.discovery.rejected.isEmpty, "\(host.discovery.rejected)")
        for name in ["abi-older", "abi-future"] {
            let connector = try host.connector(named: name)
            #expect(connector.description.functions.count == 12, "\(name)")
            #expect(connector.description.resilience.timeout == .milliseconds(1234), "\(name): the resilience block was read")
            let session = try await connector.openSession([])
            _ = try await connector.call(.serverInfo, session: session)
            let twice = try await connector.callFunction(.name("twice"), arguments: Array("[21]".utf8))
            #expect(twice.json == Array("42".utf8), "\(name)")
        }
        let older = try host.connector(named: "abi-older").description
        let future = try host.connector(named: "abi-future").description
        #expect(older.abiVersion == 1)
        #expect(future.abiVersion == 3, "negotiated down to the newest version this host serves")
        #expect(older.functions.first { $0.name == "twice" }?.isIdempotent == false, "version 1 has no flags: zero")
        #expect(future.functions.first { $0.name == "twice" }?.isIdempotent == true)
        await host.shutdown()
    }

    @Test(arguments: ["cpp17", "cpp20"])
    func theHeaderWorksFromCPlusPlus(fixture: String) async throws {
        let host = try await Self.host([fixture])
        #expect(host.discovery.rejected.isEmpty, "\(host.discovery.rejected)")
        let connector = try host.connector(named: fixture)
        let session = try await connector.openSession([])
        let info = try TestSupport.object(await connector.call(.serverInfo, session: session))
        #expect(info["language"] as? String == "c++")
        await host.shutdown()
    }

    @Test func theSizesTheHeaderPinsAreTheEndsOfEachVersionsFields() {
        #expect(ABISizes.descriptorV1 == 160)
        #expect(ABISizes.functionV1 == 48)
        #expect(ABISizes.functionV2 == 52)
        #expect(ABISizes.resilienceV1 == 56)
        #expect(ABISizes.functionStrideV2 == MemoryLayout<ch_function>.stride)
    }
}
