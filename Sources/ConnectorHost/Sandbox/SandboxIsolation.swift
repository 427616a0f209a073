/// How much of the sandbox a worker actually got: `full` (namespaces and a
/// private view of the file system, and a seccomp filter), `partial` (one of
/// them, the rest missing, with why) or `none`. Resource limits and the empty
/// environment apply at every level.
public struct SandboxIsolation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Each layer that is missing, with why.
    public var missing: [String]

    /// Every layer is in place.
    public static let full = SandboxIsolation(missing: [])

    /// The isolation with these layers missing, each with why.
    public init(missing: [String]) {
        self.missing = missing
    }

    /// The layers a worker gets, the namespaces' as found by ``NamespaceProbe``
    /// and the filter's as the worker reported it.
    init(namespaces: String?, seccomp: String?) {
        missing = [namespaces.map { "namespaces (\($0))" }, seccomp.map { "seccomp (\($0))" }].compactMap { $0 }
    }

    /// Whether every layer is in place.
    public var isFull: Bool { missing.isEmpty }

    /// `full`, `partial: missing …` or `none: missing …`.
    public var description: String {
        switch missing.count {
        case 0: "full"
        case 1: "partial: missing \(missing[0])"
        default: "none: missing \(missing.joined(separator: ", "))"
        }
    }
}
