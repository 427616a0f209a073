import Foundation

extension HostConfiguration {
    /// Checks a build's signature before it is admitted: a plugin with a key
    /// in ``signingKeys`` must carry a valid signature by it (`FILE.sig`);
    /// with ``requireSignatures``, every plugin must have a key and carry one.
    ///
    /// - Parameters:
    ///   - path: The build being admitted (perhaps a staged copy).
    ///   - source: The file the operator put there, next to which its signature is kept.
    ///   - description: What scanning read from it: the name its key is looked up by.
    /// - Throws: `unauthorized` naming what is missing or wrong.
    func checkSignature(of path: String, source: String, description: PluginDescription) throws(ConnectorHostError) {
        let name = description.manifest.name
        guard let key = signingKeys[name] else {
            guard !requireSignatures else {
                throw ConnectorHostError(
                    .unauthorized, "\(source): signatures are required, and no signing key is registered for \(name)"
                )
            }
            return
        }
        let signaturePath = PluginSignature.signaturePath(of: source)
        guard let signature = try? String(contentsOfFile: signaturePath, encoding: .utf8) else {
            throw ConnectorHostError(.unauthorized, "\(source): \(name) has a signing key, and \(signaturePath) cannot be read")
        }
        guard try PluginSignature.verify(fileAt: path, signature: signature, publicKey: key) else {
            throw ConnectorHostError(
                .unauthorized, "\(source): the signature in \(signaturePath) is not \(name)'s publisher's signature of this build"
            )
        }
    }
}
