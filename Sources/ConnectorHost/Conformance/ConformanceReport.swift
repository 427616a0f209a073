/// What the conformance kit found, check by check.
public struct ConformanceReport: Sendable, Hashable, Codable {
    /// The name of the plugin checked.
    public var plugin: String
    /// The version of the plugin checked.
    public var version: String
    /// Every check, in the order the kit ran them.
    public var checks: [ConformanceCheck]

    /// A report of `checks` on `plugin` at `version`.
    public init(plugin: String, version: String, checks: [ConformanceCheck]) {
        self.plugin = plugin
        self.version = version
        self.checks = checks
    }

    /// No check failed.
    public var passed: Bool { !checks.contains { $0.outcome == .fail } }

    /// The checks with this outcome.
    public func checks(_ outcome: ConformanceCheck.Outcome) -> [ConformanceCheck] {
        checks.filter { $0.outcome == outcome }
    }

    /// How many checks passed, failed and were skipped.
    public struct Totals: Sendable, Hashable, Codable {
        /// Checks that passed.
        public var passed: Int
        /// Checks that failed.
        public var failed: Int
        /// Checks skipped because the plugin lacks what they need.
        public var skipped: Int
    }

    /// How many checks passed, failed and were skipped.
    public var totals: Totals {
        Totals(passed: checks(.pass).count, failed: checks(.fail).count, skipped: checks(.skip).count)
    }

    private enum CodingKeys: String, CodingKey {
        case plugin, version, checks
    }

    private enum SummaryKeys: String, CodingKey {
        case passed, totals
    }

    // The checks, and above them what a reader (or a CI step) wants first:
    // whether it passed, and how many of each outcome.
    public func encode(to encoder: any Encoder) throws {
        var summary = encoder.container(keyedBy: SummaryKeys.self)
        try summary.encode(passed, forKey: .passed)
        try summary.encode(totals, forKey: .totals)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plugin, forKey: .plugin)
        try container.encode(version, forKey: .version)
        try container.encode(checks, forKey: .checks)
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
