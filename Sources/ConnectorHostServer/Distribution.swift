import ConnectorHost
import ConnectorHostRegistry
import Foundation

/// A connector distribution as uploaded: a `.so`, or a `.tar.gz` holding the
/// `.so` with a `metadata.json` (Obsrv's shape) and optionally a
/// `ui-config.json`; or a connector document (`NAME.connector.yaml`), alone
/// or in the archive in place of the `.so`, with the icon it names beside it.
/// Multipart is parsed by ``MultipartForm``, archives by libarchive
/// (``DistributionArchive``).
struct Distribution {
    /// The plugin file's bytes.
    var plugin: [UInt8]
    /// The stored file's ending, which tells how it is loaded: `.so`, or a
    /// connector document's (`.connector.yaml`, …).
    var suffix = ".so"
    var metadata = ConnectorMetadata()

    /// Whether the plugin is a connector document.
    var isDocument: Bool { suffix != ".so" }

    /// The file of a multipart/form-data body, and the icon uploaded with a
    /// connector document: a body holds one file, or a document and one
    /// `.png` or `.svg` file.
    ///
    /// - Throws: `invalid_request` when the body is not multipart or holds
    ///   anything else.
    static func uploadedFiles(_ body: [UInt8], contentType: String?) throws(ConnectorHostError)
        -> (file: (name: String, bytes: [UInt8]), icon: (name: String, bytes: [UInt8])?)
    {
        let form: MultipartForm
        do {
            form = try MultipartForm(body, contentType: contentType)
        } catch {
            throw ConnectorHostError(.invalidRequest, "upload the distribution as multipart/form-data with one file (\(error.message))")
        }
        let files = form.parts.compactMap { part in part.fileName.map { (name: $0, bytes: part.body) } }
        if files.count == 1, let file = files.first { return (file, nil) }
        if files.count == 2, let document = files.first(where: { ConnectorDocument.isDocument($0.name) }),
            let icon = files.first(where: { !ConnectorDocument.isDocument($0.name) })
        {
            return (document, icon)
        }
        throw ConnectorHostError(
            .invalidRequest, "the upload must hold exactly one file, or a connector document and its icon; it holds \(files.count)"
        )
    }

    /// Reads a `.so` or a `.tar.gz` distribution, on a thread of its own: an
    /// archive means decompressing and writing files, which must not hold one
    /// of Swift's cooperative threads.
    ///
    /// - Throws: `invalid_request` for anything else, or an archive without a
    ///   plugin, with more than one and no `main_program`, or that breaks a rule
    ///   of ``DistributionArchive``.
    ///   or a connector document that breaks a rule of its own (`manifest_invalid`
    ///   listing every problem), or whose icon is missing or refused.
    static func unpack(
        fileName: String, bytes: [UInt8], icon: (name: String, bytes: [UInt8])? = nil,
        limits: DistributionArchive.Limits = .init()
    ) async throws(ConnectorHostError) -> Distribution {
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
            return Distribution(plugin: bytes)
        }
        if ConnectorDocument.isDocument(fileName) {
            var (distribution, iconName) = try document(fileName: fileName, bytes: bytes)
            switch (iconName, icon) {
            case (nil, nil):
                break
            case (let name?, let icon?) where baseName(name) == baseName(icon.name):
                distribution.metadata.iconURL = try ConnectorIcon(icon.bytes, fileName: icon.name).dataURL
            case (let name?, let icon):
                throw ConnectorHostError(
                    .invalidRequest,
                    "\(fileName) names the icon \(name)\(icon.map { ", not \($0.name)" } ?? ""): upload it with the document (a second file, or in a .tar.gz)"
                )
            case (nil, let icon?):
                throw ConnectorHostError(.invalidRequest, "\(fileName) names no icon, but \(icon.name) came with it; name it as icon, or upload none")
            }
            return distribution
        }
        guard bytes.starts(with: [0x1F, 0x8B]) else {
            throw ConnectorHostError(
                .invalidRequest, "\(fileName) is neither a shared object (.so) nor a gzip-compressed tar archive (.tar.gz), nor a connector document (NAME.connector.yaml)"
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
            .filter { $0.hasSuffix(".so") || ConnectorDocument.isDocument($0) }.sorted()
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
                    plugins.isEmpty ? "\(fileName) holds no .so file or connector document" : "\(fileName) holds several .so files or documents (\(plugins.joined(separator: ", "))); name one as metadata.main_program"
                )
            }
            chosen = only
        }
        guard let path = files[chosen], let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.invalidRequest, "\(fileName): cannot read \(chosen)")
        }
        if ConnectorDocument.isDocument(chosen) {
            var (document, iconName) = try document(fileName: chosen, bytes: Array(data))
            if let iconName {
                guard let path = files[iconName] ?? files[baseName(iconName)], let icon = FileManager.default.contents(atPath: path) else {
                    throw ConnectorHostError(.invalidRequest, "\(chosen) names the icon \(iconName), which \(fileName) does not hold")
                }
                document.metadata.iconURL = try ConnectorIcon(Array(icon), fileName: baseName(iconName)).dataURL
            }
            // The document's own metadata over the archive's metadata.json.
            document.metadata = document.metadata.over(distribution.metadata)
            return document
        }
        distribution.plugin = Array(data)
        return distribution
    }

    /// A connector document, checked before anything is stored, and the icon it names.
    private static func document(fileName: String, bytes: [UInt8]) throws(ConnectorHostError)
        -> (distribution: Distribution, icon: String?)
    {
        let document = try ConnectorDocument.read(bytes, source: fileName, json: fileName.hasSuffix(".json"))
        let suffix = ConnectorDocument.fileSuffixes.first { fileName.hasSuffix($0) } ?? ".connector.yaml"
        return (Distribution(plugin: bytes, suffix: suffix), document.icon)
    }

    private static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
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

        var catalogue: ConnectorMetadata {
            ConnectorMetadata(
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
        let existed = FileManager.default.fileExists(atPath: ContentAddressedStore.path(of: sha256, in: directory, suffix: suffix))
        do {
            let stored = try ContentAddressedStore.store(Data(plugin), in: directory, suffix: suffix)
            return (stored.path, stored.sha256, !existed)
        } catch {
            // The error's own text would name the store's path on this server.
            throw ConnectorHostError(.unavailable, "cannot store the plugin on this server")
        }
    }
}
