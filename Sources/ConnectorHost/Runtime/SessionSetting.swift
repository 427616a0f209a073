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

    public var description: String { "\(key)=\(sensitive ? "********" : value)" }
}
