@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import Testing

/// A publisher signs a build; a host with the publisher's key serves it only
/// with a valid signature, and with signatures required, only signed plugins.
@Suite(.timeLimit(.minutes(2))) struct SignatureTests {
    @Test func aSignatureVerifiesOnlyForItsBuildAndItsKey() throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["alpha.so": TestSupport.fixture("alpha")])
        let path = directory.appendingPathComponent("alpha.so").path
        let publisher = PluginSignature.generateKey()
        let signature = try PluginSignature.sign(fileAt: path, privateKey: publisher.privateKey)
        #expect(try PluginSignature.verify(fileAt: path, signature: signature, publicKey: publisher.publicKey))
        #expect(try !PluginSignature.verify(fileAt: path, signature: signature, publicKey: PluginSignature.generateKey().publicKey))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        #expect(try !PluginSignature.verify(fileAt: path, signature: signature, publicKey: publisher.publicKey), "a changed build")
        #expect(try !PluginSignature.verify(fileAt: path, signature: "not base64!", publicKey: publisher.publicKey))
    }

    @Test func aHostServesAKeyedPluginOnlyWithItsSignatureAndCanRequireThem() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["alpha.so": TestSupport.fixture("alpha"), "beta.so": TestSupport.fixture("beta")])
        let alpha = directory.appendingPathComponent("alpha.so").path
        let publisher = PluginSignature.generateKey()
        try PluginSignature.sign(fileAt: alpha, privateKey: publisher.privateKey)
            .write(toFile: PluginSignature.signaturePath(of: alpha), atomically: true, encoding: .utf8)

        var configuration = HostConfiguration(pluginDirectory: directory.path)
        configuration.signingKeys["alpha"] = publisher.publicKey
        let signed = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        #expect(signed.connectorNames.sorted() == ["alpha", "beta"], "beta has no key and none is required")
        await signed.shutdown()

        configuration.requireSignatures = true
        let strict = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        #expect(strict.connectorNames == ["alpha"])
        let unsigned = try #require(strict.discovery.rejected.first)
        #expect(unsigned.error.code == .unauthorized)
        #expect(unsigned.error.message.contains("no signing key is registered for beta"), "\(unsigned.error.message)")
        await strict.shutdown()

        configuration.signingKeys["alpha"] = PluginSignature.generateKey().publicKey
        let otherKey = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        #expect(otherKey.connectorNames.isEmpty)
        #expect(otherKey.discovery.rejected.contains { $0.error.message.contains("is not alpha's publisher's signature") })
        await otherKey.shutdown()
    }

    @Test func theCommandLineSignsAndRequiresSignatures() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try TestSupport.populate(plugins, with: ["alpha.so": TestSupport.fixture("alpha")])
        let key = directory.appendingPathComponent("publisher.key").path
        let generated = try await CLI.run(["sign", "--generate-key", key])
        #expect(generated.status == 0, "\(generated.standardError)")
        let publicKey = generated.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let unsignedRun = try await CLI.run(["health", "--plugins", plugins.path, "--json", "--signing-key", "alpha=\(publicKey)"])
        #expect(unsignedRun.standardOutput.contains("alpha.so.sig cannot be read"), "\(unsignedRun.standardOutput)")

        let signing = try await CLI.run(["sign", "--key", key, plugins.appendingPathComponent("alpha.so").path])
        #expect(signing.status == 0, "\(signing.standardError)")
        let signedRun = try await CLI.run([
            "health", "--plugins", plugins.path, "--json", "--signing-key", "alpha=\(publicKey)", "--require-signatures",
        ])
        #expect(signedRun.status == 0, "\(signedRun.standardError)")
        let output = try TestSupport.object(Array(signedRun.standardOutput.utf8))
        #expect((output["plugins"] as? [[String: Any]])?.first?["name"] as? String == "alpha", "\(output)")
    }
}
