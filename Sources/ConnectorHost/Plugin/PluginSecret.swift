/// A registration secret. It prints as a mask, so that logs, `inspect` output
/// and error messages never carry it; ``revealed`` is for the registry's
/// constant-time check only.
public struct PluginSecret: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The secret itself.
    public let revealed: String

    /// Wraps a secret so that printing it shows `********`.
    public init(_ revealed: String) { self.revealed = revealed }

    public init(from decoder: Decoder) throws {
        revealed = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(revealed)
    }

    /// Always `********`: a secret never reaches a log or a message.
    public var description: String { "********" }
}
