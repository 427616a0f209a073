/// Names one session with a plugin, unique within a host process.
public struct SessionID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The number the host gave the session: counted up from one process-wide counter.
    public let rawValue: UInt64

    /// The session of this number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `session-` and the number, as logs show it.
    public var description: String { "session-\(rawValue)" }
}
