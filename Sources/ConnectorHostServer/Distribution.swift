import ConnectorHost
import Foundation
import NIOCore

/// A connector distribution as uploaded: a `.so`, or a `.tar.gz` holding the
/// `.so` with a `metadata.json` (Obsrv's shape) and optionally a
/// `ui-config.json`. Multipart is parsed by MultipartKit, archives by tar.
struct Distribution {
    /// The plugin file's bytes.
    var plugin: [UInt8]
    var metadata = Registry.CatalogueMetadata()

    /// The largest archive content unpacked.
    static let unpackedLimit = 256 << 20

    /// The one file of a multipart/form-data body.
    ///
    /// - Throws: `invalid_request` when the body is not multipart or does not
    ///   hold exactly one file.
    static func uploadedFile(_ body: [UInt8], contentType: String?) throws(ConnectorHostError) -> (name: String, bytes: [UInt8]) {
        let form: MultipartForm
        do {
            form = try MultipartForm(body, contentType: contentType)
        } catch {
            throw ConnectorHostError(.invalidRequest, "upload the distribution as multipart/form-data with one file")
        }
        let files = form.parts.compactMap { part in part.fileName.map { ($0, part.body) } }
        guard files.count == 1, let file = files.first else {
            throw ConnectorHostError(.invalidRequest, "the upload must hold exactly one file; it holds \(files.count)")
        }
        return file
    }

    /// Reads a `.so` or a `.tar.gz` distribution.
    ///
    /// - Throws: `invalid_request` for anything else, or an archive without a
    ///   plugin, with more than one and no `main_program`, or too large unpacked.
    static func unpack(fileName: String, bytes: [UInt8]) throws(ConnectorHostError) -> Distribution {
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
            return Distribution(plugin: bytes)
        }
        guard bytes.starts(with: [0x1F, 0x8B]) else {
            throw ConnectorHostError(
                .invalidRequest, "\(fileName) is neither a shared object (.so) nor a gzip-compressed tar archive (.tar.gz)"
            )
        }
        return try unpackArchive(fileName: fileName, bytes: bytes)
    }

    private static func unpackArchive(fileName: String, bytes: [UInt8]) throws(ConnectorHostError) -> Distribution {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connector-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = directory.appendingPathComponent("distribution.tar.gz")
        let contents = directory.appendingPathComponent("contents")
        do {
            try FileManager.default.createDirectory(at: contents, withIntermediateDirectories: true)
            try Data(bytes).write(to: archive)
        } catch {
            throw ConnectorHostError(.unavailable, "cannot stage the upload: \(error.localizedDescription)")
        }
        // List first: refuse what would unpack too large before writing it.
        let listing = try tar(["-tvzf", archive.path])
        var total = 0
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 2, let size = Int(fields[2]) { total += size }
        }
        guard total <= unpackedLimit else {
            throw ConnectorHostError(.invalidRequest, "\(fileName) unpacks to \(total) bytes, more than \(unpackedLimit)")
        }
        _ = try tar(["-xzf", archive.path, "-C", contents.path, "--no-same-owner", "--no-same-permissions"])

        var files: [String: URL] = [:]
        if let walker = FileManager.default.enumerator(at: contents, includingPropertiesForKeys: [.isRegularFileKey]) {
            // Regular files only: a symbolic link could point anywhere on the host.
            for case let url as URL in walker
            where (try? FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType) == .typeRegular {
                files[url.lastPathComponent] = url
            }
        }
        var distribution = Distribution(plugin: [])
        var mainProgram: String?
        if let url = files["metadata.json"] {
            let metadata = try readMetadata(url)
            distribution.metadata = metadata.catalogue
            mainProgram = metadata.mainProgram
        }
        if let url = files["ui-config.json"], let text = try? String(contentsOf: url, encoding: .utf8) {
            distribution.metadata.uiSpec = text
        }
        let plugins = files.keys.filter { $0.hasSuffix(".so") }.sorted()
        let chosen: String
        if let mainProgram {
            guard files[mainProgram] != nil || files[URL(fileURLWithPath: mainProgram).lastPathComponent] != nil else {
                throw ConnectorHostError(.invalidRequest, "metadata.json names main_program '\(mainProgram)', which \(fileName) does not hold")
            }
            chosen = files[mainProgram] != nil ? mainProgram : URL(fileURLWithPath: mainProgram).lastPathComponent
        } else {
            guard plugins.count == 1, let only = plugins.first else {
                throw ConnectorHostError(
                    .invalidRequest,
                    plugins.isEmpty ? "\(fileName) holds no .so file" : "\(fileName) holds several .so files (\(plugins.joined(separator: ", "))); name one as metadata.main_program"
                )
            }
            chosen = only
        }
        guard let url = files[chosen], let data = FileManager.default.contents(atPath: url.path) else {
            throw ConnectorHostError(.invalidRequest, "\(fileName): cannot read \(chosen)")
        }
        distribution.plugin = Array(data)
        return distribution
    }

    /// What Obsrv's `metadata.json` says that the catalogue keeps.
    private struct Metadata: Decodable {
        struct Inner: Decodable {
            let type: String?
            let category: String?
            let description: String?
            let licence: String?
            let owner: String?
            let icon: String?
            let main_program: String?
        }

        let metadata: Inner?

        var catalogue: Registry.CatalogueMetadata {
            Registry.CatalogueMetadata(
                type: metadata?.type, category: metadata?.category, description: metadata?.description,
                licence: metadata?.licence, owner: metadata?.owner, iconURL: metadata?.icon
            )
        }

        var mainProgram: String? { metadata?.main_program }
    }

    private static func readMetadata(_ url: URL) throws(ConnectorHostError) -> Metadata {
        do {
            return try JSONDecoder().decode(Metadata.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw ConnectorHostError(.invalidRequest, "metadata.json is not valid: \(DecodingProblem.describe(error))")
        } catch {
            throw ConnectorHostError(.invalidRequest, "metadata.json cannot be read")
        }
    }

    /// Runs tar; its output, or why it failed.
    private static func tar(_ arguments: [String]) throws(ConnectorHostError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ConnectorHostError(.unavailable, "cannot run tar: \(error.localizedDescription)")
        }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ConnectorHostError(
                .invalidRequest, "the archive cannot be unpacked: \(String(decoding: problem, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Stores the plugin under its SHA-256 in `directory`.
    ///
    /// - Returns: The stored file's path, the hash, and whether this upload
    ///   stored it (rather than finding the same bytes there).
    func store(in directory: String) throws(ConnectorHostError) -> (path: String, sha256: String, isNew: Bool) {
        let sha256 = ContentAddressedStore.sha256(plugin)
        let existed = FileManager.default.fileExists(atPath: ContentAddressedStore.path(of: sha256, in: directory))
        do {
            let stored = try ContentAddressedStore.store(Data(plugin), in: directory)
            return (stored.path, stored.sha256, !existed)
        } catch {
            throw ConnectorHostError(.unavailable, "cannot store the plugin in the plugin store")
        }
    }
}
