import ConnectorHost
@testable import ConnectorHostServer
import Foundation
import Testing

/// The libarchive reader on its own, with small limits: what it writes is
/// counted as it is written, and what a distribution may not hold is refused.
@Suite(.timeLimit(.minutes(5))) struct DistributionArchiveTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("archive-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A .tar.gz of `files` (name, size in bytes of a repeated byte), in order.
    static func archive(_ files: [(String, Int)], in directory: URL) async throws -> [UInt8] {
        let list = files.map { "(\"\($0.0)\", \($0.1))" }.joined(separator: ", ")
        return Array(try await ArchiveMaker.python("""
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as archive:
                for name, size in [\(list)]:
                    info = tarfile.TarInfo(name)
                    info.size = size
                    archive.addfile(info, io.BytesIO(b"z" * size))
            """, in: directory))
    }

    static func bytesWritten(under directory: URL) -> Int {
        var total = 0
        for case let url as URL in FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) ?? .init() {
            total += (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        }
        return total
    }

    static let small = DistributionArchive.Limits(
        maximumEntries: 8, maximumTotalBytes: 1 << 20, maximumFileBytes: 768 << 10, maximumNameBytes: 64
    )

    @Test func filesAndDirectoriesAreExtractedUnderTheirNames() async throws {
        let scratch = try Self.directory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bytes = try await Self.archive([("./metadata.json", 2), ("lib/plugin.so", 10), ("a/./b//c.txt", 1)], in: scratch)
        let target = scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let files = try DistributionArchive.extract(bytes, fileName: "d.tar.gz", into: target.path, limits: Self.small)
        #expect(files.map(\.name) == ["metadata.json", "lib/plugin.so", "a/b/c.txt"])
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("lib/plugin.so").path) == Data(repeating: 0x7A, count: 10))
    }

    @Test func theTotalLimitHoldsAcrossFiles() async throws {
        let scratch = try Self.directory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bytes = try await Self.archive([("a.so", 600 << 10), ("b.so", 600 << 10)], in: scratch)
        let target = scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        #expect(throws: ConnectorHostError.self) {
            try DistributionArchive.extract(bytes, fileName: "d.tar.gz", into: target.path, limits: Self.small)
        }
        #expect(Self.bytesWritten(under: target) <= Self.small.maximumTotalBytes)
    }

    @Test func whatADistributionMayNotHoldIsRefused() async throws {
        let scratch = try Self.directory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cases: [([(String, Int)], String)] = [
            ([("big.so", 800 << 10)], "limits"),
            ((0..<9).map { ("f\($0)", 1) }, "more than 8 entries"),
            ([("a", 1), ("a", 1)], "twice"),
            ([("a", 1), ("a/b", 1)], "both as a file and as a directory"),
            ([(String(repeating: "n", count: 65), 1)], "longer than 64 bytes"),
            ([("x/../../y", 1)], "'..'"),
        ]
        for (files, message) in cases {
            let target = scratch.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let bytes = try await Self.archive(files, in: scratch)
            do {
                _ = try DistributionArchive.extract(bytes, fileName: "d.tar.gz", into: target.path, limits: Self.small)
                Issue.record("accepted \(files.map(\.0))")
            } catch {
                #expect(error.code == .invalidRequest)
                #expect(error.message.contains(message) && error.message.contains("d.tar.gz"), "\(error.message)")
                #expect(!error.message.contains(scratch.path), "no server path")
            }
        }
    }

    @Test func bytesThatAreNotATarGzAreRefused() throws {
        let scratch = try Self.directory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for bytes in [[0x1F, 0x8B, 0, 1, 2, 3], Array("plain text".utf8), [], [0x1F, 0x8B] + [UInt8](repeating: 0xFF, count: 600)] as [[UInt8]] {
            #expect(throws: ConnectorHostError.self) {
                try DistributionArchive.extract(bytes, fileName: "d.tar.gz", into: scratch.path, limits: Self.small)
            }
        }
    }
}
