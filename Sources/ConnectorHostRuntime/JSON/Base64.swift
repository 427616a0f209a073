import Foundation

/// Base64 (RFC 4648, with padding), the form bytes take in JSON.
package enum Base64 {
    package static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// - Returns: The bytes, or nil when the text is not base64.
    package static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map(Array.init)
    }
}
