/// One check of the conformance kit and how it went.
public struct ConformanceCheck: Sendable, Hashable, Codable {
    /// How a check went: passed, failed, or skipped because the plugin lacks what it needs.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The plugin did what the documentation asks.
        case pass
        /// The plugin did not, or the check could not run; ``ConformanceCheck/detail`` says why.
        case fail
        /// The check is about an optional feature the plugin does not offer; ``ConformanceCheck/detail`` says which.
        case skip
    }

    /// A request the check sent, as the plugin received it.
    public struct SentRequest: Sendable, Hashable, Codable {
        /// The standard operation called, e.g. `entity.create`.
        public var operation: String
        /// The request body the operation received.
        public var body: JSONValue
    }

    /// The API group checked, or `load` for the plugin file itself.
    public var group: String
    /// What the check verifies, e.g. `entity.create then entity.get`.
    public var name: String
    /// The standard operation the check is about; nil for `load`.
    public var operation: String?
    /// Part of the mandatory surface: such a check never skips, and one that
    /// cannot run fails, saying what the plugin must add.
    public var mandatory: Bool
    /// Whether it passed, failed or was skipped.
    public var outcome: Outcome
    /// The last request the check sent before it passed or found the problem.
    public var request: SentRequest?
    /// For a failure, what was expected and what came back; for a skip, why.
    public var detail: String?

    /// A check result with the given fields.
    public init(
        group: String, name: String, operation: String?, mandatory: Bool, outcome: Outcome,
        request: SentRequest? = nil, detail: String? = nil
    ) {
        self.group = group
        self.name = name
        self.operation = operation
        self.mandatory = mandatory
        self.outcome = outcome
        self.request = request
        self.detail = detail
    }

    private enum CodingKeys: String, CodingKey {
        case group, name, operation, mandatory, outcome, request, detail
    }

    // Reports the catalogue stored before checks named their operation still
    // read back; their checks count as optional, as nothing said otherwise.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        group = try container.decode(String.self, forKey: .group)
        name = try container.decode(String.self, forKey: .name)
        operation = try container.decodeIfPresent(String.self, forKey: .operation)
        mandatory = try container.decodeIfPresent(Bool.self, forKey: .mandatory) ?? false
        outcome = try container.decode(Outcome.self, forKey: .outcome)
        request = try container.decodeIfPresent(SentRequest.self, forKey: .request)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
    }
}
