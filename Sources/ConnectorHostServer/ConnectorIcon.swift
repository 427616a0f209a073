import ConnectorHost
import Foundation

/// The icon a connector document names, uploaded with it: a PNG or an SVG,
/// checked as hostile input (its size, that its bytes are the type its name
/// says, and for an SVG that nothing in it runs or reaches out), and kept
/// with the catalogue entry as a `data:` URL, so that it needs no file or
/// route of its own.
struct ConnectorIcon: Sendable, Equatable {
    let mediaType: String
    let bytes: [UInt8]

    /// The largest icon accepted: an icon is small, and its URL travels in
    /// every catalogue answer.
    static let maximumBytes = 64 << 10

    /// The catalogue's `iconurl`.
    var dataURL: String { "data:\(mediaType);base64,\(Data(bytes).base64EncodedString())" }

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Checks an uploaded icon.
    ///
    /// - Parameter fileName: The name it was uploaded under, for messages and its type.
    /// - Throws: `invalid_request` naming what is wrong.
    init(_ bytes: [UInt8], fileName: String) throws(ConnectorHostError) {
        guard bytes.count <= Self.maximumBytes else {
            throw ConnectorHostError(.invalidRequest, "the icon \(fileName) is \(bytes.count) bytes; an icon is at most \(Self.maximumBytes)")
        }
        switch fileName.lowercased() {
        case let name where name.hasSuffix(".png"):
            // The signature, then the IHDR chunk every PNG starts with.
            guard bytes.starts(with: Self.pngSignature), bytes.count > 16, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
                throw ConnectorHostError(.invalidRequest, "the icon \(fileName) is not a PNG image")
            }
            mediaType = "image/png"
        case let name where name.hasSuffix(".svg"):
            if let problem = Self.svgProblem(bytes) {
                throw ConnectorHostError(.invalidRequest, "the icon \(fileName) is refused: \(problem)")
            }
            mediaType = "image/svg+xml"
        default:
            throw ConnectorHostError(.invalidRequest, "the icon \(fileName) must be a .png or .svg file")
        }
        self.bytes = bytes
    }

    /// What makes an SVG unsafe to keep and show, or nil: it must be UTF-8
    /// whose first element is `<svg>`, and hold no document type (entities
    /// can expand without end or read files), script, event handler,
    /// embedded HTML, or reference outside itself.
    private static func svgProblem(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return "it is not UTF-8 text" }
        let lowered = text.lowercased()
        if lowered.contains("<!doctype") || lowered.contains("<!entity") { return "it declares a document type or entities" }
        if lowered.contains("<script") { return "it holds a script" }
        if lowered.contains("<foreignobject") { return "it embeds foreign content" }
        if lowered.contains("javascript:") { return "it holds a javascript: URL" }
        if lowered.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil { return "it holds an event handler attribute" }
        if lowered.range(of: #"href\s*=\s*["'](?!#)"#, options: .regularExpression) != nil {
            return "it references something outside itself (an href that is not #id)"
        }
        if lowered.range(of: #"url\(\s*["']?(?!#)"#, options: .regularExpression) != nil {
            return "it references something outside itself (a url() that is not #id)"
        }
        // Past an XML declaration and comments, the first element is <svg.
        var rest = Substring(lowered).drop { $0.isWhitespace }
        while rest.hasPrefix("<?") || rest.hasPrefix("<!--") {
            let end = rest.hasPrefix("<?") ? "?>" : "-->"
            guard let close = rest.range(of: end) else { return "it is not well formed" }
            rest = rest[close.upperBound...].drop { $0.isWhitespace }
        }
        guard rest.hasPrefix("<svg"), let next = rest.dropFirst(4).first, next.isWhitespace || next == ">" || next == "/" else {
            return "its first element is not <svg>"
        }
        return nil
    }
}
