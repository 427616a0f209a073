import Crypto
import Foundation

/// A publisher's Ed25519 signature of a plugin build: over the build's SHA-256
/// (with a context line, so a signature made for something else never
/// verifies), kept next to the file as `FILE.sig` (base64). Keys are raw
/// Curve25519 keys, base64: the private one stays with the publisher, the
/// public one is given to the operator (``HostConfiguration/signingKeys``).
public enum PluginSignature {
    /// What is signed: this line, then the build's SHA-256 in hex.
    private static let context = "connector-host plugin build v1\n"

    /// A new key pair.
    public static func generateKey() -> (privateKey: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation.base64EncodedString(), key.publicKey.rawRepresentation.base64EncodedString())
    }

    /// Where a build's signature is kept.
    public static func signaturePath(of path: String) -> String { path + ".sig" }

    /// Signs the build at `path`.
    ///
    /// - Parameters:
    ///   - path: The plugin file.
    ///   - privateKey: The publisher's private key, base64.
    /// - Returns: The signature, base64, to write to ``signaturePath(of:)``.
    /// - Throws: `invalid_request` for a malformed key, `not_found` for a file that cannot be read.
    public static func sign(fileAt path: String, privateKey: String) throws(ConnectorHostError) -> String {
        guard let raw = Data(base64Encoded: privateKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw ConnectorHostError(.invalidRequest, "the private key is not a base64 Ed25519 key") }
        do {
            return try key.signature(for: message(for: path)).base64EncodedString()
        } catch let error as ConnectorHostError {
            throw error
        } catch {
            throw ConnectorHostError(.pluginError, "cannot sign \(path): \(error)")
        }
    }

    /// Whether `signature` is a signature of the build at `path` by the holder of `publicKey`.
    ///
    /// - Throws: `not_found` for a file that cannot be read.
    public static func verify(fileAt path: String, signature: String, publicKey: String) throws(ConnectorHostError) -> Bool {
        guard let rawKey = Data(base64Encoded: publicKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey),
            let rawSignature = Data(base64Encoded: signature.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return false }
        return key.isValidSignature(rawSignature, for: try message(for: path))
    }

    private static func message(for path: String) throws(ConnectorHostError) -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.notFound, "cannot read \(path)")
        }
        let digest = Hex.text(SHA256.hash(data: contents))
        return Data((context + digest).utf8)
    }
}
