import ConnectorHost
@testable import ConnectorHostServer
import Foundation
import Testing

/// The multipart/form-data parser on its own: what it reads, and that
/// everything else is refused with `invalid_request` rather than a trap.
@Suite(.timeLimit(.minutes(5))) struct MultipartFormTests {
    static let type = "multipart/form-data; boundary=x"

    static func form(_ text: String, type: String = MultipartFormTests.type) throws(ConnectorHostError) -> MultipartForm {
        try MultipartForm(Array(text.utf8), contentType: type)
    }

    static func refusal(_ bytes: [UInt8], type: String = MultipartFormTests.type) -> ConnectorHostError? {
        do {
            _ = try MultipartForm(bytes, contentType: type)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsFieldsAndAFileAsBrowsersSendThem() throws {
        let (body, type) = ServerFixture.multipart(
            file: "dump.bin", data: Data([0, 13, 10, 45, 45, 255]), fields: [("fileComment", "from CI")]
        )
        let form = try MultipartForm(Array(body), contentType: type)
        #expect(form.parts.count == 2)
        #expect(form.text("fileComment") == "from CI")
        #expect(form.part(named: "file")?.fileName == "dump.bin")
        #expect(form.part(named: "file")?.body == [0, 13, 10, 45, 45, 255])
    }

    @Test func aPreambleAnEpilogueAQuotedBoundaryAndEscapesAreRead() throws {
        let form = try Self.form(
            "ignored preamble\r\n--a b\r\nCONTENT-DISPOSITION: form-data; filename=\"q\\\"uote;d.so\"; name=file\r\n\r\nbody\r\n--a b--\r\nepilogue",
            type: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\""
        )
        #expect(form.parts.count == 1)
        #expect(form.part(named: "file")?.fileName == "q\"uote;d.so")
        #expect(form.text("file") == "body")
    }

    /// The 24 bytes that took the server down under MultipartKit 4.7.1: a
    /// header name with a byte >= 0x80. Every such byte is refused.
    @Test func aHeaderNameByteAbove0x7FIsRefusedNotATrap() {
        for byte in UInt8(0x80)...UInt8(0xFF) {
            let body = Array("--x\r\n".utf8) + [byte] + Array(": v\r\n\r\nd\r\n--x--\r\n".utf8)
            let error = Self.refusal(body)
            #expect(error?.code == .invalidRequest, "byte \(byte)")
        }
    }

    @Test func brokenFramingIsRefused() {
        let cases: [(String, String)] = [
            ("", "no boundary"),
            ("--x\r\n\r\nnever closed", "closing boundary"),
            ("--x\r\nno colon\r\n\r\nd\r\n--x--", "token"),
            ("--x\r\n: empty name\r\n\r\nd\r\n--x--", "token"),
            ("--x\r\nbad name: v\r\n\r\nd\r\n--x--", "token"),
            ("--x\r\n folded: v\r\n\r\nd\r\n--x--", "token"),
            ("--x\r\nname: a\u{1}b\r\n\r\nd\r\n--x--", "control character"),
            ("--x\r\nname: v\r\n", "do not end"),
            ("--xjunk\r\n\r\nd\r\n--x--", "CRLF"),
            ("--x\r\n" + String(repeating: "a: b\r\n", count: 2000) + "\r\nd\r\n--x--", "longer than"),
            (String(repeating: "--x\r\n\r\n\r\n", count: 70) + "--x--", "more than"),
        ]
        for (body, message) in cases {
            let error = Self.refusal(Array(body.utf8))
            #expect(error?.code == .invalidRequest, "\(body.prefix(40))")
            #expect(error?.message.contains(message) == true, "\(body.prefix(40)): \(error?.message ?? "accepted")")
        }
    }

    @Test func badBoundariesAreRefused() {
        for type in [
            "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=" + String(repeating: "b", count: 71), "multipart/form-data; boundary=\"a\u{1}\"",
            "multipart/form-data; boundary=\"é\"", "text/plain; boundary=x", "multipart/form-datax; boundary=x",
        ] {
            #expect(Self.refusal(Array("--x\r\n\r\n\r\n--x--".utf8), type: type)?.code == .invalidRequest, "\(type)")
        }
        #expect(Self.refusal([], type: "") != nil)
    }

    @Test func anEmptyFormHasNoParts() throws {
        #expect(try Self.form("--x--\r\n").parts.isEmpty)
    }
}
