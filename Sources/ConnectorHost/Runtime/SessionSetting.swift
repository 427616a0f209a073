/// One entry of a session's configuration, as OpsHub's session API passes it:
/// `{"key", "value", "sensitive"}`. Sensitive values are never logged or shown.
public struct SessionSetting: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var sensitive: Bool

    public init(key: String, value: String, sensitive: Bool = false) {
        self.key = key
        self.value = value
        self.sensitive = sensitive
    }

    /// `sensitive` may be left out: a setting is not sensitive unless it says so.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        value = try container.decode(String.self, forKey: .value)
        sensitive = try container.decodeIfPresent(Bool.self, forKey: .sensitive) ?? false
    }

    public var description: String { "\(key)=\(sensitive ? "********" : value)" }
}
