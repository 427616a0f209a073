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
    private let handover: EgressHandover?

    /// - Parameter handover: In a sandbox worker, where connections come from.
    init(handover: EgressHandover? = nil) {
        self.handover = handover
    }

    deinit {
        for handle in idle.withLock({ $0 }) { chc_handle_destroy(handle.pointer) }
    }

    /// Runs one transfer on an idle connection (or a new one).
    ///
    /// - Parameter call: The plugin call it serves: its cancellation stops the transfer.
    func perform(_ request: HTTPRequest, call: PluginCallContext?) -> HTTPResponse {
        guard let handle = idle.withLock({ $0.popLast() }) ?? chc_handle_create().map(Handle.init) else {
            let failure = chc_library_problem().map { String(cString: $0) } ?? "out of memory for a connection"
            return HTTPResponse(
                status: 0, headers: [], body: [], seconds: 0, failure: failure, truncated: false,
                cancelled: false, requestSent: false
            )
        }
        defer { idle.withLock { $0.append(handle) } }
        let headerLines = request.headers.map { "\($0.name): \($0.value)" }
        var raw = chc_response()
        withExtendedLifetime(call) {
            let context = call.map { Unmanaged.passUnretained($0).toOpaque() }
            withCStrings(headerLines) { headers in
            withCStrings(handover?.hosts ?? []) { handoverHosts in
            withOptionalCString(handover?.proxySocket) { handoverSocket in
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
                                    refuse_non_public_addresses: request.refuseNonPublicAddresses ? 1 : 0,
                                    handover_socket: handoverSocket, handover_hosts: handoverHosts.baseAddress,
                                    handover_host_count: handoverHosts.count
                                )
                                chc_perform(handle.pointer, &settings, &raw)
                            }
                        }
                    }
                }
            }
            }
            }
        }
        defer { chc_response_free(&raw) }
        let body = raw.body.map { Array(UnsafeBufferPointer(start: $0, count: raw.body_length)) } ?? []
        let headers = raw.headers.map { Self.parseHeaders(UnsafeRawBufferPointer(start: $0, count: raw.headers_length)) } ?? []
        let failure: String? = raw.curl_code == 0 ? nil : withUnsafeBytes(of: raw.error) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return HTTPResponse(
            status: raw.status, headers: headers, body: body, seconds: raw.total_seconds,
            failure: failure, truncated: raw.truncated != 0, cancelled: raw.cancelled != 0, requestSent: raw.request_sent != 0,
            addressRefused: raw.address_refused != 0
        )
    }

    /// `Name: value` pairs of a header block, after its status line; read as
    /// bytes (a call's answer crosses this, and Foundation's trimming cost
    /// microseconds a header).
    private static func parseHeaders(_ block: UnsafeRawBufferPointer) -> [(name: String, value: String)] {
        func trimmed(_ part: Slice<UnsafeRawBufferPointer>) -> String {
            let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
            guard let first = part.firstIndex(where: { !isBlank($0) }), let last = part.lastIndex(where: { !isBlank($0) })
            else { return "" }
            return String(decoding: part[first...last], as: UTF8.self)
        }
        return block.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            return (trimmed(line[..<colon]), trimmed(line[(colon + 1)...]))
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
