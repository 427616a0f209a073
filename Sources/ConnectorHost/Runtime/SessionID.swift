/// Names one session with a plugin, unique within a host process.
public struct SessionID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { "session-\(rawValue)" }
}
