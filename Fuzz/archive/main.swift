// libFuzzer harness: the libarchive reader of uploaded .tar.gz distributions.
// Each input is extracted into a fresh directory under small limits; what was
// written must be within them, and nothing but files and directories under
// that directory may exist afterwards.
//
// Mutations of compressed bytes rarely decompress, so an input whose first
// byte is even is a tar, wrapped here in a gzip stream of stored (verbatim)
// deflate blocks: the mutations land on tar headers. An odd first byte passes
// the rest as it is, for the gzip layer.

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

private let crcTable: [UInt32] = (0..<256).map { index in
    (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
}

/// `tar` as a gzip member of stored deflate blocks (RFC 1951 3.2.4, RFC 1952).
private func gzipStored(_ tar: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
    var offset = tar.startIndex
    repeat {
        let count = min(0xFFFF, tar.endIndex - offset)
        let final: UInt8 = offset + count == tar.endIndex ? 1 : 0
        out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
        out += tar[offset..<(offset + count)]
        offset += count
    } while offset < tar.endIndex
    let crc = ~tar.reduce(~UInt32(0)) { crc, byte in crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    for value in [crc, UInt32(truncatingIfNeeded: tar.count)] {
        out += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let mode = input.first else { return 0 }
    let rest = Array(input.dropFirst())[...]
    let bytes = mode & 1 == 0 ? gzipStored(rest) : Array(rest)
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
