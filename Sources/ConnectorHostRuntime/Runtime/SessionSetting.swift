/// One entry of a session's configuration, as OpsHub's session API passes it:
/// `{"key", "value", "sensitive"}`. Sensitive values are never logged or shown.
public struct SessionSetting: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The setting's name, e.g. `database` or `api_key`.
    public var key: String
    /// The setting's value.
    public var value: String
    /// Whether the value is a secret: never logged or shown.
    public var sensitive: Bool

    /// A setting; mark secrets `sensitive`.
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

    /// `key=value`, with a sensitive value shown as `********`.
    public var description: String { "\(key)=\(sensitive ? "********" : value)" }
}
