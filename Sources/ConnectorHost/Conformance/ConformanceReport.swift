/// One check of the conformance kit and how it went.
public struct ConformanceCheck: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case pass, fail, skip
    }

    /// The API group checked, or `load` for the plugin file itself.
    public var group: String
    public var name: String
    public var outcome: Outcome
    /// For a failure, what was expected and what came back; for a skip, why.
    public var detail: String?
}

/// What the conformance kit found, check by check.
public struct ConformanceReport: Sendable, Hashable, Codable {
    public var plugin: String
    public var version: String
    public var checks: [ConformanceCheck]

    /// No check failed.
    public var passed: Bool { !checks.contains { $0.outcome == .fail } }

    /// The checks with this outcome.
    public func checks(_ outcome: ConformanceCheck.Outcome) -> [ConformanceCheck] {
        checks.filter { $0.outcome == outcome }
    }

    /// One line per check, as the CLI prints it.
    public var lines: [String] {
        checks.map { check in
            let label = check.outcome.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0)
            let name = "\(check.group): \(check.name)"
            return check.detail.map { "\(label)  \(name) — \($0)" } ?? "\(label)  \(name)"
        }
    }
}
