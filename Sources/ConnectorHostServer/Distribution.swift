import ConnectorHost
import Foundation

/// A connector distribution as uploaded: a `.so`, or a `.tar.gz` holding the
/// `.so` with a `metadata.json` (Obsrv's shape) and optionally a
/// `ui-config.json`. Multipart is parsed by ``MultipartForm``, archives by
/// libarchive (``DistributionArchive``).
struct Distribution {
    /// The plugin file's bytes.
    var plugin: [UInt8]
    var metadata = Registry.CatalogueMetadata()

    /// The one file of a multipart/form-data body.
    ///
    /// - Throws: `invalid_request` when the body is not multipart or does not
    ///   hold exactly one file.
    static func uploadedFile(_ body: [UInt8], contentType: String?) throws(ConnectorHostError) -> (name: String, bytes: [UInt8]) {
        let form: MultipartForm
        do {
            form = try MultipartForm(body, contentType: contentType)
        } catch {
            throw ConnectorHostError(.invalidRequest, "upload the distribution as multipart/form-data with one file (\(error.message))")
        }
        let files = form.parts.compactMap { part in part.fileName.map { ($0, part.body) } }
        guard files.count == 1, let file = files.first else {
            throw ConnectorHostError(.invalidRequest, "the upload must hold exactly one file; it holds \(files.count)")
        }
        return file
    }

    /// Reads a `.so` or a `.tar.gz` distribution, on a thread of its own: an
    /// archive means decompressing and writing files, which must not hold one
    /// of Swift's cooperative threads.
    ///
    /// - Throws: `invalid_request` for anything else, or an archive without a
    ///   plugin, with more than one and no `main_program`, or that breaks a rule
    ///   of ``DistributionArchive``.
    static func unpack(
        fileName: String, bytes: [UInt8], limits: DistributionArchive.Limits = .init()
    ) async throws(ConnectorHostError) -> Distribution {
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
            return Distribution(plugin: bytes)
        }
        guard bytes.starts(with: [0x1F, 0x8B]) else {
            throw ConnectorHostError(
                .invalidRequest, "\(fileName) is neither a shared object (.so) nor a gzip-compressed tar archive (.tar.gz)"
            )
        }
        return try await BlockingWork.run { () throws(ConnectorHostError) in
            try unpackArchive(fileName: fileName, bytes: bytes, limits: limits)
        }
    }

    private static func unpackArchive(
        fileName: String, bytes: [UInt8], limits: DistributionArchive.Limits
    ) throws(ConnectorHostError) -> Distribution {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connector-upload-\(UUID().uuidString)")
        guard mkdir(directory.path, 0o700) == 0 else {
            throw ConnectorHostError(.unavailable, "cannot unpack \(fileName) on this server: no temporary directory")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let extracted = try DistributionArchive.extract(bytes, fileName: fileName, into: directory.path, limits: limits)

        // Files are found by their own name wherever the archive put them; the
        // first of a name wins.
        var files: [String: String] = [:]
        for file in extracted {
            let base = file.name.split(separator: "/").last.map(String.init) ?? file.name
            if files[base] == nil { files[base] = file.path }
            if files[file.name] == nil { files[file.name] = file.path }
        }
        var distribution = Distribution(plugin: [])
        var mainProgram: String?
        if let path = files["metadata.json"] {
            let metadata = try readMetadata(path)
            distribution.metadata = metadata.catalogue
            mainProgram = metadata.mainProgram
        }
        if let path = files["ui-config.json"], let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        {
            distribution.metadata.uiSpec = text
        }
        let plugins = Set(extracted.map { $0.name.split(separator: "/").last.map(String.init) ?? $0.name })
            .filter { $0.hasSuffix(".so") }.sorted()
        let chosen: String
        if let mainProgram {
            let trimmed = mainProgram.hasPrefix("./") ? String(mainProgram.dropFirst(2)) : mainProgram
            let base = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
            guard files[trimmed] != nil || files[base] != nil else {
                throw ConnectorHostError(.invalidRequest, "metadata.json names main_program '\(mainProgram)', which \(fileName) does not hold")
            }
            chosen = files[trimmed] != nil ? trimmed : base
        } else {
            guard plugins.count == 1, let only = plugins.first else {
                throw ConnectorHostError(
                    .invalidRequest,
                    plugins.isEmpty ? "\(fileName) holds no .so file" : "\(fileName) holds several .so files (\(plugins.joined(separator: ", "))); name one as metadata.main_program"
                )
            }
            chosen = only
        }
        guard let path = files[chosen], let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.invalidRequest, "\(fileName): cannot read \(chosen)")
        }
        distribution.plugin = Array(data)
        return distribution
    }

    /// What Obsrv's `metadata.json` says that the catalogue keeps.
    private struct Metadata: Decodable {
        struct Inner: Decodable {
            let name: String?
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
                displayName: metadata?.name, type: metadata?.type, category: metadata?.category, description: metadata?.description,
                licence: metadata?.licence, owner: metadata?.owner, iconURL: metadata?.icon
            )
        }

        var mainProgram: String? { metadata?.main_program }
    }

    private static func readMetadata(_ path: String) throws(ConnectorHostError) -> Metadata {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.invalidRequest, "metadata.json cannot be read")
        }
        do {
            return try JSONDecoder().decode(Metadata.self, from: data)
        } catch let error as DecodingError {
            throw ConnectorHostError(.invalidRequest, "metadata.json is not valid: \(DecodingProblem.describe(error))")
        } catch {
            throw ConnectorHostError(.invalidRequest, "metadata.json cannot be read")
        }
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
            // The error's own text would name the store's path on this server.
            throw ConnectorHostError(.unavailable, "cannot store the plugin on this server")
        }
    }
}
