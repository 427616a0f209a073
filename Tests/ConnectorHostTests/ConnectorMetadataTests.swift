@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// The one metadata type: said over another, and stored flat in a manifest as
/// scan caches of earlier hosts hold it.
@Suite(.timeLimit(.minutes(5))) struct ConnectorMetadataTests {
    @Test func metadataSaidOverAnotherKeepsItsOwnFieldsAndFillsTheRest() {
        let manifest = ConnectorMetadata(type: "source", category: "crm", licence: "MIT", uiSpec: "{}")
        let archive = ConnectorMetadata(displayName: "Acme CRM", category: "issue-tracker", owner: "acme")
        let shown = archive.over(manifest)
        #expect(shown == ConnectorMetadata(
            displayName: "Acme CRM", type: "source", category: "issue-tracker", licence: "MIT", owner: "acme", uiSpec: "{}"
        ))
        #expect(ConnectorMetadata().over(manifest) == manifest)
    }

    @Test func aManifestStoresItsMetadataBesideItsRegistration() throws {
        let manifest = PluginManifest(
            name: "p", version: "1.0.0", key: "k", secret: PluginSecret("s"), endpointEntityId: 1, functionEntityIds: 2...100,
            metadata: ConnectorMetadata(type: "source", description: "does things", iconURL: "https://example.com/i.svg")
        )
        let data = try JSONEncoder().encode(manifest)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["metadata"] == nil)
        #expect(object["type"] as? String == "source")
        #expect(object["description"] as? String == "does things")
        #expect(object["iconURL"] as? String == "https://example.com/i.svg")
        #expect(object["name"] as? String == "p")
        #expect(object["category"] == nil, "an absent field is left out, as before")
        #expect(try JSONDecoder().decode(PluginManifest.self, from: data) == manifest)
    }
}
