import ConnectorHost
import ConnectorHostRegistry
import Foundation
import SharedTestSupport
import Testing

/// Bytes an org sends to the upload and attachment routes that once crashed the
/// server or filled its disk: each is refused with a 4xx JSON error, and the
/// server keeps serving.
@Suite(.timeLimit(.minutes(5))) struct HostileUploadTests {
    /// The body of the crash: a part whose header name holds a byte >= 0x80.
    static let crashBody = Data("--x\r\n".utf8) + Data([0xC3, 0xA9]) + Data(": v\r\n\r\nd\r\n--x--".utf8)

    static func expectRefused(_ answer: ServerFixture.Answer, naming fileName: String? = nil) {
        #expect((400..<500).contains(answer.status), "\(answer.status) \(answer.text)")
        #expect(answer.headers["content-type"]?.contains("application/json") == true)
        #expect(!answer.json.isEmpty, "a JSON body: \(answer.text)")
        #expect(!answer.text.contains("/tmp"), "no server path: \(answer.text)")
        if let fileName { #expect(answer.text.contains(fileName), "\(answer.text)") }
    }

    @Test func theMultipartCrashBodyIsRefusedByTheUploadRoute() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        #expect(Self.crashBody.count < 30)
        let answer = try await server.request(
            "POST", "v2/connector/register", token: token, body: Self.crashBody,
            contentType: "multipart/form-data; boundary=x"
        )
        Self.expectRefused(answer)
        #expect(try await server.request("GET", "healthz", token: nil).status == 200, "the server still serves")
        await server.stop()
    }

    @Test func theMultipartCrashBodyIsRefusedByTheAttachmentRoute() async throws {
        let server = try await SDKRoutesTests.start()
        let answer = try await server.request(
            "POST", "\(SDKRoutesTests.sdk)/entities/bug/1/attachments", body: Self.crashBody,
            contentType: "multipart/form-data; boundary=x", headers: try SDKRoutesTests.credentials(server)
        )
        Self.expectRefused(answer)
        #expect(try await server.request("GET", "healthz", token: nil).status == 200, "the server still serves")
        await server.stop()
    }

    /// A 3 GiB entry in a few megabytes, its owner name holding a space (what
    /// shifted the columns of `tar -tv`): refused before anything is written.
    @Test func anArchiveBombIsRefused() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        let bomb = try await ArchiveMaker.bomb(gibibytes: 3, in: server.directory)
        #expect(bomb.count < 8 << 20)
        let (body, type) = ServerFixture.multipart(file: "bomb.tar.gz", data: bomb)
        let answer = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
        Self.expectRefused(answer, naming: "bomb.tar.gz")
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: server.directory.appendingPathComponent("store").path)) ?? []
        #expect(stored.isEmpty, "nothing reached the plugin store")
        #expect(try await server.request("GET", "healthz", token: nil).status == 200)
        await server.stop()
    }

    @Test func linksAndPathsOutOfTheArchiveAreRefused() async throws {
        let server = try await ServerFixture.start(over: .router)
        let token = try await server.org("acme")
        for kind in ["symlink", "hardlink", "dotdot", "absolute", "device", "fifo"] {
            let archive = try await ArchiveMaker.hostile(kind, in: server.directory)
            let (body, type) = ServerFixture.multipart(file: "\(kind).tar.gz", data: archive)
            let answer = try await server.request("POST", "v2/connector/register", token: token, body: body, contentType: type)
            Self.expectRefused(answer, naming: "\(kind).tar.gz")
        }
        await server.stop()
    }
}

/// Hostile `.tar.gz` files, written by Python's tarfile, which writes whatever
/// headers it is told to.
enum ArchiveMaker {
    static func python(_ script: String, in directory: URL) async throws -> Data {
        let output = directory.appendingPathComponent("archive-\(UUID().uuidString).tar.gz")
        try await ChildProcess.succeed(["python3", "-c", script, output.path])
        return try Data(contentsOf: output)
    }

    /// One entry declaring `gibibytes` GiB of zeros. gzip members concatenate,
    /// so one compressed MiB of zeros repeated makes the whole without ever
    /// holding it.
    static func bomb(gibibytes: Int, in directory: URL) async throws -> Data {
        try await python("""
            import gzip, sys, tarfile
            size = \(gibibytes) << 30
            info = tarfile.TarInfo("bomb.so")
            info.size = size
            info.uname = "evil owner"
            info.gname = "evil group"
            header = info.tobuf(format=tarfile.GNU_FORMAT)
            chunk = gzip.compress(bytes(1 << 20), 9)
            with open(sys.argv[1], "wb") as out:
                out.write(gzip.compress(header))
                for _ in range(size >> 20):
                    out.write(chunk)
            """, in: directory)
    }

    /// A small archive with one entry of `kind` next to a plugin-looking file.
    static func hostile(_ kind: String, in directory: URL) async throws -> Data {
        try await python("""
            import io, sys, tarfile
            kind = "\(kind)"
            with tarfile.open(sys.argv[1], "w:gz") as archive:
                data = b"\\x7fELF not really"
                info = tarfile.TarInfo("plugin.so")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                info = tarfile.TarInfo("evil")
                if kind == "symlink":
                    info.type = tarfile.SYMTYPE; info.linkname = "/etc/passwd"
                elif kind == "hardlink":
                    info.type = tarfile.LNKTYPE; info.linkname = "plugin.so"
                elif kind == "dotdot":
                    info.name = "../../evil.so"
                elif kind == "absolute":
                    info.name = "/opt/evil.so"
                elif kind == "device":
                    info.type = tarfile.CHRTYPE; info.devmajor = 1; info.devminor = 3
                elif kind == "fifo":
                    info.type = tarfile.FIFOTYPE
                archive.addfile(info, io.BytesIO(b""))
            """, in: directory)
    }
}
