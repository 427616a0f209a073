/// A semantic version (semver.org 2.0), ordered by precedence: numbers
/// numerically, a pre-release below its release, build metadata ignored.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version: a change breaks its users.
    public let major: Int
    /// The minor version: a change adds without breaking.
    public let minor: Int
    /// The patch version: a change fixes without adding.
    public let patch: Int
    /// The dot-separated pre-release identifiers; empty for a release.
    public let preRelease: [String]
    /// The text it was read from.
    public let description: String

    /// Nil for text that is not a semantic version such as `1.2.0` or `2.0.0-rc.1`.
    public init?(_ text: String) {
        guard DocumentReader.isSemanticVersion(text) else { return nil }
        let withoutBuild = text.split(separator: "+", maxSplits: 1).first.map(String.init) ?? text
        let parts = withoutBuild.split(separator: "-", maxSplits: 1).map(String.init)
        let numbers = parts[0].split(separator: ".").compactMap { Int($0) }
        guard numbers.count == 3 else { return nil }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
        preRelease = parts.count > 1 ? parts[1].split(separator: ".").map(String.init) : []
        description = text
    }

    public static func < (left: SemanticVersion, right: SemanticVersion) -> Bool {
        if (left.major, left.minor, left.patch) != (right.major, right.minor, right.patch) {
            return (left.major, left.minor, left.patch) < (right.major, right.minor, right.patch)
        }
        switch (left.preRelease.isEmpty, right.preRelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (one, other) in zip(left.preRelease, right.preRelease) where one != other {
            switch (Int(one), Int(other)) {
            case let (one?, other?): return one < other
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return one < other
            }
        }
        return left.preRelease.count < right.preRelease.count
    }

    public static func == (left: SemanticVersion, right: SemanticVersion) -> Bool {
        !(left < right) && !(right < left)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(preRelease)
    }
}
