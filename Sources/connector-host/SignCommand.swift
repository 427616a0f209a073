import ArgumentParser
import ConnectorHost
import Foundation

struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign plugin builds with a publisher's Ed25519 key, or make a key.",
        discussion: """
            With --generate-key FILE, writes a new private key to FILE (mode 0600) and prints its public key: \
            give that to operators (serve --signing-key NAME=KEY). With --key FILE and plugin files, writes \
            each build's signature next to it as FILE.sig. A host with a key for a plugin serves it only \
            with a valid signature; with --require-signatures, only signed plugins.
            """
    )

    @Option(help: ArgumentHelp("The private key to sign with.", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("Write a new private key to this file and print its public key.", valueName: "file"))
    var generateKey: String?

    @Argument(help: ArgumentHelp("The plugin files to sign.", valueName: "plugin.so"))
    var plugins: [String] = []

    func validate() throws {
        guard (key == nil) != (generateKey == nil) else { throw ValidationError("give either --key or --generate-key") }
        guard key == nil || !plugins.isEmpty else { throw ValidationError("name the plugin files to sign") }
    }

    func run() async throws {
        try await reportingFailure { () throws(ConnectorHostError) in
            if let generateKey {
                let pair = PluginSignature.generateKey()
                guard FileManager.default.createFile(
                    atPath: generateKey, contents: Data((pair.privateKey + "\n").utf8), attributes: [.posixPermissions: 0o600]
                ) else { throw ConnectorHostError(.invalidRequest, "cannot write \(generateKey)") }
                print(pair.publicKey)
                return
            }
            guard let key, let privateKey = try? String(contentsOfFile: key, encoding: .utf8) else {
                throw ConnectorHostError(.notFound, "cannot read the key \(key ?? "")")
            }
            for plugin in plugins {
                let signature = try PluginSignature.sign(fileAt: plugin, privateKey: privateKey)
                let path = PluginSignature.signaturePath(of: plugin)
                guard FileManager.default.createFile(atPath: path, contents: Data((signature + "\n").utf8)) else {
                    throw ConnectorHostError(.invalidRequest, "cannot write \(path)")
                }
                print("signed \(plugin): \(path)")
            }
        }
    }
}
