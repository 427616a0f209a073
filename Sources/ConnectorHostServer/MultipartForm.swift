import ConnectorHost

/// The parts of a multipart/form-data body (RFC 7578 over the framing of
/// RFC 2046, section 5.1.1).
///
/// The parser is our own rather than a library's: any org token can send these
/// bytes, and MultipartKit 4.7.1 indexes a 128-entry table with the raw header
/// byte, so one byte >= 0x80 in a header name traps and takes the server down.
/// Here every byte is checked against the grammar before it is used, every
/// index is bounded by the body's count, and what a client may send is capped
/// (parts, header bytes), so a body is either parsed or refused with
/// `invalid_request`; nothing in between can trap.
struct MultipartForm {
    struct Part {
        /// The form field's name.
        let name: String?
        /// The file name, for a file part.
        let fileName: String?
        /// The part's own `Content-Type`, if it has one.
        let contentType: String?
        let body: [UInt8]
    }

    /// More parts than any form of this API has, by far.
    static let maximumParts = 64
    /// The header block of one part, CRLFs included.
    static let maximumHeaderBytes = 8 << 10
    /// RFC 2046: a boundary is 1 to 70 characters.
    static let maximumBoundaryLength = 70

    let parts: [Part]

    /// - Throws: `invalid_request` when the body is not well-formed multipart/form-data.
    init(_ body: [UInt8], contentType: String?) throws(ConnectorHostError) {
        guard let contentType, let type = contentType.split(separator: ";", maxSplits: 1).first,
            type.trimmingSpaces().lowercasedASCII() == "multipart/form-data",
            let boundary = Self.parameter("boundary", in: contentType)
        else {
            throw ConnectorHostError(.invalidRequest, "the body must be multipart/form-data with a boundary parameter")
        }
        parts = try Self.parse(body, boundary: Array(boundary.utf8))
    }

    /// The part of a field, if the form has it.
    func part(named name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// The text of a field, if the form has it.
    func text(_ name: String) -> String? {
        part(named: name).map { String(decoding: $0.body, as: UTF8.self) }
    }

    // MARK: - Framing

    private static func malformed(_ why: String) -> ConnectorHostError {
        ConnectorHostError(.invalidRequest, "the multipart body is malformed: \(why)")
    }

    /// Splits `body` at its boundaries and reads each part's headers.
    static func parse(_ body: [UInt8], boundary: [UInt8]) throws(ConnectorHostError) -> [Part] {
        guard !boundary.isEmpty, boundary.count <= maximumBoundaryLength,
            boundary.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), boundary.last != space
        else {
            throw ConnectorHostError(
                .invalidRequest, "the multipart boundary must be 1 to \(maximumBoundaryLength) printable ASCII characters"
            )
        }
        let dashBoundary = [hyphen, hyphen] + boundary
        // Every delimiter but the first is preceded by CRLF, which belongs to it,
        // not to the part before. Since a boundary holds no CR, occurrences of
        // this pattern never overlap, so the search below is linear.
        let delimiter = [cr, lf] + dashBoundary
        var position: Int
        if body.hasBytes(dashBoundary, at: 0) {
            position = dashBoundary.count
        } else if let found = body.firstIndex(of: delimiter, from: 0) {
            // A preamble before the first delimiter is allowed and ignored.
            position = found + delimiter.count
        } else {
            throw malformed("it holds no boundary line")
        }
        var parts: [Part] = []
        while true {
            // "--" after a delimiter closes the body; what follows is an epilogue, ignored.
            if body.hasBytes([hyphen, hyphen], at: position) { return parts }
            while position < body.count, body[position] == space || body[position] == tab { position += 1 }
            guard body.hasBytes([cr, lf], at: position) else { throw malformed("a boundary line does not end in CRLF") }
            position += 2
            guard parts.count < maximumParts else { throw malformed("it has more than \(maximumParts) parts") }
            let (headers, start) = try readHeaders(body, from: position)
            guard let end = body.firstIndex(of: delimiter, from: start) else {
                throw malformed("it ends before its closing boundary")
            }
            let disposition = headers["content-disposition"] ?? ""
            parts.append(Part(
                name: parameter("name", in: disposition), fileName: parameter("filename", in: disposition),
                contentType: headers["content-type"], body: Array(body[start..<end])
            ))
            position = end + delimiter.count
        }
    }

    /// The header fields of one part, keyed by lowercased name, and where its body starts.
    private static func readHeaders(_ body: [UInt8], from start: Int) throws(ConnectorHostError) -> ([String: String], Int) {
        var headers: [String: String] = [:]
        var position = start
        while true {
            guard position - start <= maximumHeaderBytes else {
                throw malformed("a part's headers are longer than \(maximumHeaderBytes) bytes")
            }
            if body.hasBytes([cr, lf], at: position) { return (headers, position + 2) }
            guard let lineEnd = body.firstIndex(of: [cr, lf], from: position) else {
                throw malformed("a part's headers do not end")
            }
            guard lineEnd - start <= maximumHeaderBytes else {
                throw malformed("a part's headers are longer than \(maximumHeaderBytes) bytes")
            }
            let line = body[position..<lineEnd]
            // RFC 7230: field-name = token; obsolete line folding is refused, not unfolded.
            guard let separator = line.firstIndex(of: colon), separator > line.startIndex,
                line[line.startIndex..<separator].allSatisfy(isTokenByte)
            else {
                throw malformed("a header line is not 'name: value' with a token for its name")
            }
            var value = line[(separator + 1)...]
            // Field values: visible characters, spaces, tabs and obs-text; no other control bytes.
            guard value.allSatisfy({ $0 == tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw malformed("a header value holds a control character")
            }
            while let first = value.first, first == space || first == tab { value = value.dropFirst() }
            while let last = value.last, last == space || last == tab { value = value.dropLast() }
            let name = String(decoding: line[line.startIndex..<separator], as: UTF8.self).lowercasedASCII()
            headers[name] = String(decoding: value, as: UTF8.self)
            position = lineEnd + 2
        }
    }

    // MARK: - Header parameters

    /// A `name=token` or `name="quoted string"` parameter of a header such as
    /// `Content-Type` or `Content-Disposition`; the name is matched without
    /// regard to ASCII case.
    static func parameter(_ name: String, in header: String) -> String? {
        let bytes = Array(header.utf8)
        let wanted = Array(name.utf8).map(lowercased)
        var position = 0
        // Skip the value before the first parameter (the media type or disposition).
        while position < bytes.count, bytes[position] != semicolon { position += 1 }
        while position < bytes.count {
            position += 1  // the semicolon
            while position < bytes.count, bytes[position] == space || bytes[position] == tab { position += 1 }
            let nameStart = position
            while position < bytes.count, isTokenByte(bytes[position]) { position += 1 }
            let key = bytes[nameStart..<position].map(lowercased)
            while position < bytes.count, bytes[position] == space || bytes[position] == tab { position += 1 }
            guard position < bytes.count, bytes[position] == equals else {
                while position < bytes.count, bytes[position] != semicolon { position += 1 }
                continue
            }
            position += 1
            while position < bytes.count, bytes[position] == space || bytes[position] == tab { position += 1 }
            var value: [UInt8] = []
            if position < bytes.count, bytes[position] == quote {
                position += 1
                while position < bytes.count, bytes[position] != quote {
                    // quoted-pair: a backslash takes the next byte as it is.
                    if bytes[position] == backslash, position + 1 < bytes.count { position += 1 }
                    value.append(bytes[position])
                    position += 1
                }
                position += 1  // the closing quote, if there is one
            } else {
                while position < bytes.count, bytes[position] != semicolon,
                    bytes[position] != space, bytes[position] != tab
                {
                    value.append(bytes[position])
                    position += 1
                }
            }
            if key == wanted { return String(decoding: value, as: UTF8.self) }
            while position < bytes.count, bytes[position] != semicolon { position += 1 }
        }
        return nil
    }

    // MARK: - Bytes

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let hyphen: UInt8 = 0x2D
    private static let colon: UInt8 = 0x3A
    private static let semicolon: UInt8 = 0x3B
    private static let equals: UInt8 = 0x3D
    private static let quote: UInt8 = 0x22
    private static let backslash: UInt8 = 0x5C

    /// RFC 7230 `tchar`: what a header field name or parameter name is made of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

extension Array where Element == UInt8 {
    /// Whether `pattern` occurs at `index`; false when it would run past the end.
    fileprivate func hasBytes(_ pattern: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index <= count - pattern.count else { return false }
        return self[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    /// The first index at or after `start` where `pattern` occurs.
    fileprivate func firstIndex(of pattern: [UInt8], from start: Int) -> Int? {
        guard let first = pattern.first, start >= 0 else { return nil }
        var index = start
        while index <= count - pattern.count {
            if self[index] == first, hasBytes(pattern, at: index) { return index }
            index += 1
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> Substring {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }

    fileprivate func lowercasedASCII() -> String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
