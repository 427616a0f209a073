import CArchive
import ConnectorHost

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks an uploaded `.tar.gz` with libarchive, enforcing the rules while it
/// reads rather than from a listing: the bytes counted are the bytes written,
/// so no header (an owner name with a space, a size field that lies) can walk
/// around a limit.
///
/// Only regular files and directories are taken, under names that are UTF-8,
/// relative and free of `..`; each is created here, with `O_EXCL|O_NOFOLLOW`,
/// under a directory nothing else writes to, and filled with
/// `archive_read_data`. `archive_write_disk` is never used: its defaults
/// restore links, owners and modes as the archive says.
///
/// Messages name the uploaded file and the entry as the archive spells it,
/// never a path of this server.
enum DistributionArchive {
    struct Limits: Sendable {
        /// Entries of any kind, directories included.
        var maximumEntries = 256
        /// Bytes written for all files together.
        var maximumTotalBytes = 256 << 20
        /// Bytes written for any one file.
        var maximumFileBytes = 128 << 20
        /// Bytes of one entry's name.
        var maximumNameBytes = 1024
    }

    /// Extracts the archive `bytes` into `directory`, which must exist and be empty.
    ///
    /// - Parameters:
    ///   - bytes: The archive as uploaded.
    ///   - fileName: The uploaded file's name, for messages.
    ///   - directory: Where to write; on a refusal, what was written so far stays
    ///     there for the caller to remove.
    ///   - limits: What the archive may hold.
    /// - Returns: Each regular file's name inside the archive (`a/b.so`, without a
    ///   leading `./`) and the path it was written to.
    /// - Throws: `invalid_request` for an archive that breaks a rule or cannot be
    ///   read; `unavailable` when the server cannot write.
    static func extract(
        _ bytes: [UInt8], fileName: String, into directory: String, limits: Limits = Limits()
    ) throws(ConnectorHostError) -> [(name: String, path: String)] {
        guard let archive = archive_read_new() else {
            throw ConnectorHostError(.unavailable, "cannot read \(fileName): libarchive is out of memory")
        }
        defer { archive_read_free(archive) }
        // A distribution is a gzip-compressed tar: no other format or filter is
        // offered to the bytes, so none of their parsers is reachable.
        archive_read_support_filter_gzip(archive)
        archive_read_support_format_tar(archive)
        let result: Result<[(name: String, path: String)], ConnectorHostError> = bytes.withUnsafeBytes { buffer in
            guard archive_read_open_memory(archive, buffer.baseAddress, buffer.count) == ARCHIVE_OK else {
                return .failure(unreadable(fileName, archive))
            }
            var reader = Reader(archive: archive, fileName: fileName, directory: directory, limits: limits)
            return Result { () throws(ConnectorHostError) in try reader.readAll() }
        }
        return try result.get()
    }

    private static func unreadable(_ fileName: String, _ archive: OpaquePointer) -> ConnectorHostError {
        let why = archive_error_string(archive).map { String(decoding: Array(cString: $0), as: UTF8.self) }
        return ConnectorHostError(
            .invalidRequest, "\(fileName) is not a readable .tar.gz archive" + (why.map { ": \($0)" } ?? "")
        )
    }

    /// One pass over the entries; holds the counts the limits apply to.
    private struct Reader {
        let archive: OpaquePointer
        let fileName: String
        let directory: String
        let limits: Limits
        var entries = 0
        var totalBytes = 0
        var files: [(name: String, path: String)] = []
        /// Names taken so far, files and directories alike.
        var taken: Set<String> = []
        var directories: Set<String> = []

        init(archive: OpaquePointer, fileName: String, directory: String, limits: Limits) {
            self.archive = archive
            self.fileName = fileName
            self.directory = directory
            self.limits = limits
        }

        private func refused(_ why: String) -> ConnectorHostError {
            ConnectorHostError(.invalidRequest, "\(fileName) is refused: \(why)")
        }

        mutating func readAll() throws(ConnectorHostError) -> [(name: String, path: String)] {
            while true {
                var entry: OpaquePointer?
                let status = archive_read_next_header(archive, &entry)
                if status == ARCHIVE_EOF { return files }
                guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                    throw unreadable(fileName, archive)
                }
                entries += 1
                guard entries <= limits.maximumEntries else {
                    throw refused("it holds more than \(limits.maximumEntries) entries")
                }
                let components = try name(of: entry)
                let name = components.joined(separator: "/")
                let type = UInt32(archive_entry_filetype(entry)) & CArchive_typeMask()
                // A hard link is a regular entry naming another file; a symbolic
                // link could point anywhere on the host. Neither belongs in a distribution.
                guard archive_entry_hardlink(entry) == nil, archive_entry_symlink(entry) == nil else {
                    throw refused("'\(name)' is a link; a distribution holds only files and directories")
                }
                if type == CArchive_typeDirectory() {
                    if !components.isEmpty { try makeDirectories(components) }
                    continue
                }
                guard type == CArchive_typeRegular() else {
                    throw refused("'\(name)' is neither a file nor a directory")
                }
                guard !components.isEmpty else { throw refused("a file has an empty name") }
                // A declared size over a limit is refused before anything is
                // written; the count of written bytes below is what holds.
                if archive_entry_size_is_set(entry) != 0 {
                    let declared = archive_entry_size(entry)
                    guard declared <= Int64(limits.maximumFileBytes),
                        declared <= Int64(limits.maximumTotalBytes - totalBytes)
                    else {
                        throw tooLarge(name)
                    }
                }
                try makeDirectories(Array(components.dropLast()))
                guard taken.insert(name).inserted else { throw refused("it holds '\(name)' twice") }
                let path = directory + "/" + name
                try write(path: path, name: name)
                files.append((name, path))
            }
        }

        private func tooLarge(_ name: String) -> ConnectorHostError {
            refused(
                "'\(name)' would unpack past the limits of \(limits.maximumFileBytes) bytes per file and \(limits.maximumTotalBytes) bytes in all"
            )
        }

        /// The entry's name as components: UTF-8, relative, without `..`; `.`
        /// components and a leading `./` dropped.
        private func name(of entry: OpaquePointer) throws(ConnectorHostError) -> [String] {
            guard let raw = archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry) else {
                throw refused("an entry has no name, or a name that is not UTF-8")
            }
            let bytes = Array(UnsafeBufferPointer(start: raw, count: strlen(raw))).map { UInt8(bitPattern: $0) }
            guard bytes.count <= limits.maximumNameBytes else {
                throw refused("an entry's name is longer than \(limits.maximumNameBytes) bytes")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw refused("an entry's name is not UTF-8")
            }
            guard text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw refused("an entry's name holds a control character")
            }
            guard !text.hasPrefix("/") else { throw refused("'\(text)' is an absolute path") }
            let components = text.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
            guard !components.contains("..") else { throw refused("'\(text)' climbs out of the archive with '..'") }
            guard components.allSatisfy({ $0.utf8.count <= 255 }) else {
                throw refused("a component of '\(text)' is longer than 255 bytes")
            }
            return components.map(String.init)
        }

        /// Creates each directory of `components` that does not exist yet.
        private mutating func makeDirectories(_ components: [String]) throws(ConnectorHostError) {
            var relative = ""
            for component in components {
                relative += relative.isEmpty ? component : "/" + component
                if directories.contains(relative) { continue }
                guard taken.insert(relative).inserted else {
                    throw refused("it holds '\(relative)' both as a file and as a directory")
                }
                guard mkdir(directory + "/" + relative, 0o700) == 0 else {
                    throw cannotWrite(errno)
                }
                directories.insert(relative)
            }
        }

        /// Copies the entry's data to a new file, counting every byte against the limits.
        private mutating func write(path: String, name: String) throws(ConnectorHostError) {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw cannotWrite(errno) }
            defer { close(descriptor) }
            var fileBytes = 0
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
            defer { chunk.deallocate() }
            while true {
                let count = archive_read_data(archive, chunk.baseAddress, chunk.count)
                if count == 0 { return }
                guard count > 0 else { throw unreadable(fileName, archive) }
                fileBytes += count
                totalBytes += count
                guard fileBytes <= limits.maximumFileBytes, totalBytes <= limits.maximumTotalBytes else {
                    throw tooLarge(name)
                }
                var written = 0
                while written < count {
                    let result = Glibc.write(descriptor, chunk.baseAddress.map { $0 + written }, count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw cannotWrite(errno)
                    }
                    written += result
                }
            }
        }

        private func cannotWrite(_ error: Int32) -> ConnectorHostError {
            let why = String(decoding: Array(cString: strerror(error)), as: UTF8.self)
            return ConnectorHostError(.unavailable, "cannot unpack \(fileName) on this server: \(why)")
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate init(cString: UnsafePointer<CChar>) {
        self = Array(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
    }
}
