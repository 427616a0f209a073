@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

@Suite(.timeLimit(.minutes(5))) struct CapabilityTests {
    @Test func trackerImplementsEveryGroup() async throws {
        let tracker = try await ConnectorHost.inspect(pluginAt: TestSupport.plugin("tracker"), logger: TestSupport.quietLogger)
        #expect(tracker.capabilities == APIGroup.allCases)
        #expect(StandardOperation.allCases.allSatisfy(FunctionRouter(tracker).implements))
    }

    @Test func theFixtureImplementsOnlyTheMandatoryGroups() async throws {
        let alpha = try await ConnectorHost.inspect(pluginAt: TestSupport.fixture("alpha"), logger: TestSupport.quietLogger)
        #expect(alpha.capabilities == [.session, .metadata, .configuration, .entity])
        #expect(FunctionRouter(alpha).implements(.entityList))
        #expect(!FunctionRouter(alpha).implements(.commentAdd))
    }

    @Test func capabilitiesFollowTheFunctionTable() {
        func description(_ names: [StandardOperation]) -> PluginDescription {
            PluginDescription(
                manifest: PluginManifest(
                    name: "p", version: "1", key: "k", secret: PluginSecret("s"), endpointEntityId: 1,
                    functionEntityIds: 2...100
                ),
                abiVersion: 1, isThreadSafe: false, maxConcurrency: 1,
                functions: names.enumerated().map { PluginFunction(entityId: Int64($0.offset + 2), name: $0.element.rawValue) },
                resilience: ResilienceOverrides()
            )
        }
        #expect(description([.historyLinks, .sessionOpen, .commentList]).capabilities == [.session, .comments, .history])
        #expect(description([]).capabilities == [])
        #expect(description([.attachmentFileName, .linkSiblings, .userSearch, .substepList]).capabilities
            == [.substeps, .users, .attachments, .links])
    }

    @Test func everyGroupHasOperationsAndTheMandatoryOnesAreMarked() {
        for group in APIGroup.allCases {
            #expect(!group.operations.isEmpty, "\(group)")
        }
        let mandatory = StandardOperation.allCases.filter(\.isMandatory).map(\.rawValue)
        #expect(mandatory == [
            "session.open", "session.close", "metadata.get", "server.info", "entity_type.list", "lookup.values",
            "entity.get", "entity.create", "entity.update", "entity.list", "entity.delete",
        ])
    }
}
