import Foundation
import ConnectorHost
import MultipartKit

/// The parts of a multipart/form-data body, parsed by MultipartKit.
struct MultipartForm {
    struct Part {
        /// The form field's name.
        let name: String?
        /// The file name, for a file part.
        let fileName: String?
        let body: [UInt8]
    }

    let parts: [Part]

    /// - Throws: `invalid_request` when the body is not multipart/form-data.
    init(_ body: [UInt8], contentType: String?) throws(ConnectorHostError) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: contentType)
        else {
            throw ConnectorHostError(.invalidRequest, "the body must be multipart/form-data")
        }
        var parts: [Part] = []
        var headers: [String: String] = [:]
        var bytes: [UInt8] = []
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { buffer in bytes.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            let disposition = headers["content-disposition"] ?? ""
            parts.append(Part(
                name: Self.parameter("name", in: disposition), fileName: Self.parameter("filename", in: disposition),
                body: bytes
            ))
            headers = [:]
            bytes = []
        }
        do {
            try parser.execute(body)
        } catch {
            throw ConnectorHostError(.invalidRequest, "the multipart body is malformed: \(error)")
        }
        self.parts = parts
    }

    /// The part of a field, if the form has it.
    func part(named name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// The text of a field, if the form has it.
    func text(_ name: String) -> String? {
        part(named: name).map { String(decoding: $0.body, as: UTF8.self) }
    }

    /// A `name=value` or `name="value"` parameter of a header.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix(name + "=") else { continue }
            var value = String(pair.dropFirst(name.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
