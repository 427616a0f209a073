import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Testing

/// The key of saved connections: created once with mode 0600, the same key
/// read back at the next start, and refused when others may read it.
@Suite(.timeLimit(.minutes(1))) struct ConnectionVaultTests {
    let binding = ConnectionBinding(id: "conn_1", org: "a", connector: "tracker")
    let settings = [SessionSetting(key: "token", value: "secret", sensitive: true)]

    @Test func theKeyFileIsCreatedPrivateAndReadBackAtTheNextStart() throws {
        let directory = try TestSupport.temporaryDirectory()
        let keyFile = directory.appendingPathComponent("keys/connection-key").path
        let sealed = try ConnectionVault(keyFile: keyFile).seal(settings, for: binding)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try ConnectionVault(keyFile: keyFile).open(sealed, for: binding) == settings, "the same key")
        #expect(throws: ConnectorHostError.self, "another key") { try ConnectionVault().open(sealed, for: binding) }
        let other = ConnectionBinding(id: "conn_2", org: "a", connector: "tracker")
        #expect(throws: ConnectorHostError.self, "another connection's row") {
            try ConnectionVault(keyFile: keyFile).open(sealed, for: other)
        }
    }

    @Test func aKeyOthersMayReadOrThatIsNoKeyIsRefused() throws {
        let directory = try TestSupport.temporaryDirectory()
        let keyFile = directory.appendingPathComponent("connection-key").path
        _ = try ConnectionVault(keyFile: keyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        let readable = #expect(throws: ConnectorHostError.self) { try ConnectionVault(keyFile: keyFile) }
        #expect(readable?.code == .unavailable)
        #expect(readable?.message.contains("may be read by others (mode 644); chmod 600 it") == true, "\(readable?.message ?? "")")

        let short = directory.appendingPathComponent("short-key").path
        #expect(FileManager.default.createFile(atPath: short, contents: Data("short".utf8), attributes: [.posixPermissions: 0o600]))
        let notAKey = #expect(throws: ConnectorHostError.self) { try ConnectionVault(keyFile: short) }
        #expect(notAKey?.message.contains("is not a connection key (32 bytes)") == true)
    }
}
