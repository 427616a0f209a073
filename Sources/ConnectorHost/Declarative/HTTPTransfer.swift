import CConnectorHostCurl
import Foundation
import Synchronization

/// One HTTP request as a declarative connector sends it.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8]?
    /// `user:password` for Basic authentication.
    var basicCredentials: String?
    var connectTimeout: Duration = .seconds(10)
    var timeout: Duration = .seconds(30)
    var maxRedirects = 5
    var maxResponseBytes = HTTPRequest.defaultMaxResponseBytes
    /// Refuse to connect to a loopback, private or link-local address (checked
    /// on the address connected to, after resolution and on every redirect).
    var refuseNonPublicAddresses = false

    /// As much as a custom function may answer (`CH_MAX_RESPONSE_BYTES`).
    static let defaultMaxResponseBytes = 16 << 20
}

/// What came back from one transfer.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var seconds: Double
    /// curl's message when the transfer failed; nil when an answer came.
    var failure: String?
    var truncated: Bool
    var cancelled: Bool
    /// Whether the request may have reached the end system.
    var requestSent: Bool
    /// Whether a connection was refused for its address (``HTTPRequest/refuseNonPublicAddresses``).
    var addressRefused = false

    /// The first header of this name, compared without case.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The connections of one session: libcurl handles that keep their
/// connections alive between calls, each used by one transfer at a time.
final class HTTPConnectionPool: Sendable {
    private struct Handle: @unchecked Sendable {
        // Owned by the pool; lent to one transfer at a time.
        let pointer: UnsafeMutableRawPointer
    }

    private let idle = Mutex<[Handle]>([])

    deinit {
        for handle in idle.withLock({ $0 }) { chc_handle_destroy(handle.pointer) }
    }

    /// Runs one transfer on an idle connection (or a new one).
    ///
    /// - Parameter call: The plugin call it serves: its cancellation stops the transfer.
    func perform(_ request: HTTPRequest, call: PluginCallContext?) -> HTTPResponse {
        guard let handle = idle.withLock({ $0.popLast() }) ?? chc_handle_create().map(Handle.init) else {
            return HTTPResponse(
                status: 0, headers: [], body: [], seconds: 0, failure: "out of memory for a connection", truncated: false,
                cancelled: false, requestSent: false
            )
        }
        defer { idle.withLock { $0.append(handle) } }
        let headerLines = request.headers.map { "\($0.name): \($0.value)" }
        var raw = chc_response()
        withExtendedLifetime(call) {
            let context = call.map { Unmanaged.passUnretained($0).toOpaque() }
            withCStrings(headerLines) { headers in
                request.method.withCString { method in
                    request.url.withCString { url in
                        withOptionalCString(request.basicCredentials) { basic in
                            (request.body ?? []).withUnsafeBufferPointer { body in
                                var settings = chc_request(
                                    method: method, url: url, headers: headers.baseAddress, header_count: headers.count,
                                    body: request.body == nil ? nil : (body.baseAddress ?? UnsafePointer(bitPattern: 1)),
                                    body_length: body.count, basic_credentials: basic,
                                    connect_timeout_ms: Int(clamping: request.connectTimeout.millisecondCount),
                                    timeout_ms: Int(clamping: max(1, request.timeout.millisecondCount)),
                                    max_redirects: request.maxRedirects, max_response_bytes: request.maxResponseBytes,
                                    is_cancelled: context == nil ? nil : { context in
                                        guard let context else { return 0 }
                                        return Unmanaged<PluginCallContext>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
                                    },
                                    cancel_context: context,
                                    refuse_non_public_addresses: request.refuseNonPublicAddresses ? 1 : 0
                                )
                                chc_perform(handle.pointer, &settings, &raw)
                            }
                        }
                    }
                }
            }
        }
        defer { chc_response_free(&raw) }
        let body = raw.body.map { Array(UnsafeBufferPointer(start: $0, count: raw.body_length)) } ?? []
        let headerText = raw.headers.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: raw.headers_length), as: UTF8.self) } ?? ""
        let failure: String? = raw.curl_code == 0 ? nil : withUnsafeBytes(of: raw.error) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return HTTPResponse(
            status: raw.status, headers: Self.parseHeaders(headerText), body: body, seconds: raw.total_seconds,
            failure: failure, truncated: raw.truncated != 0, cancelled: raw.cancelled != 0, requestSent: raw.request_sent != 0,
            addressRefused: raw.address_refused != 0
        )
    }

    private static func parseHeaders(_ text: String) -> [(name: String, value: String)] {
        text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }
}

/// `text` percent-encoded as one URL component.
func percentEncoded(_ text: String) -> String {
    var utf8 = Array(text.utf8)
    guard let escaped = utf8.withUnsafeMutableBufferPointer({ bytes in
        bytes.withMemoryRebound(to: CChar.self) { chc_escape($0.baseAddress, $0.count) }
    }) else { return text }
    defer { chc_free(escaped) }
    return String(cString: escaped)
}

private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// C strings of `texts`, valid inside `body`.
private func withCStrings<Result>(_ texts: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let copies = texts.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer(body)
}
