import ConnectorHostABI

#if canImport(Glibc)
import Glibc
#endif

/// The error message a plugin hands the host, in either runtime and for
/// standard operations and custom functions alike.
package enum PluginMessage {
    /// A plugin's error message, read up to `CH_MAX_MESSAGE_BYTES` (at a
    /// character boundary) so that it fits a sandbox frame beside the largest
    /// body, in either runtime; a longer one says it was cut.
    package static func bounded(_ text: UnsafePointer<CChar>) -> String {
        let limit = Int(CH_MAX_MESSAGE_BYTES)
        let length = strnlen(text, limit + 1)
        let bytes = UnsafeRawBufferPointer(start: text, count: min(length, limit))
        guard length > limit else { return String(decoding: bytes, as: UTF8.self) }
        // Back off to the start of a character rather than split one.
        var end = bytes.count
        while end > 0, bytes[end - 1] & 0xC0 == 0x80 { end -= 1 }
        if end > 0, bytes[end - 1] >= 0xC0 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + " … (cut at CH_MAX_MESSAGE_BYTES, \(limit) bytes)"
    }
}
