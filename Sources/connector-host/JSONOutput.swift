import ConnectorHost
import Foundation

/// Writes machine-readable output: pretty, with sorted keys, so that output is
/// stable from run to run.
enum JSONOutput {
    static func print(_ value: some Encodable) throws(ConnectorHostError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            Swift.print(String(decoding: data, as: UTF8.self))
        } catch {
            throw ConnectorHostError(.invalidRequest, "cannot encode the output as JSON: \(error)")
        }
    }

    /// Re-indents a JSON document a plugin returned.
    static func printDocument(_ bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed),
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
            )
        else {
            Swift.print(String(decoding: bytes, as: UTF8.self))
            return
        }
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}

