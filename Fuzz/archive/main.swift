// libFuzzer harness: the libarchive reader of uploaded .tar.gz distributions.
// Each input is extracted into a fresh directory under small limits; what was
// written must be within them, and nothing but files and directories under
// that directory may exist afterwards.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

private let root = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-archive-\(getpid())").path
private let limits = DistributionArchive.Limits(
    maximumEntries: 32, maximumTotalBytes: 1 << 20, maximumFileBytes: 512 << 10, maximumNameBytes: 256
)

/// Bytes under `path`; traps on anything that is not a file or a directory.
private func audit(_ path: String) -> Int {
    var status = stat()
    precondition(lstat(path, &status) == 0, "lstat failed")
    switch status.st_mode & S_IFMT {
    case S_IFREG:
        return Int(status.st_size)
    case S_IFDIR:
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { $0 + audit(path + "/" + $1) }
    default:
        preconditionFailure("the reader created something that is neither a file nor a directory")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let directory = root + "/out"
    try? FileManager.default.removeItem(atPath: root)
    precondition(mkdir(root, 0o700) == 0 && mkdir(directory, 0o700) == 0, "cannot create the scratch directory")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try? DistributionArchive.extract(bytes, fileName: "fuzz.tar.gz", into: directory, limits: limits)
    precondition(audit(directory) <= limits.maximumTotalBytes, "wrote past the total limit")
    for file in files ?? [] {
        precondition(file.path == directory + "/" + file.name, "a file outside its name")
        precondition(!file.name.split(separator: "/").contains(".."), "a '..' component")
    }
    return 0
}
