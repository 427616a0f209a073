/// One check of the conformance kit and how it went.
public struct ConformanceCheck: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case pass, fail, skip
    }

    /// A request the check sent, as the plugin received it.
    public struct SentRequest: Sendable, Hashable, Codable {
        public var operation: String
        public var body: JSONValue
    }

    /// The API group checked, or `load` for the plugin file itself.
    public var group: String
    public var name: String
    /// The standard operation the check is about; nil for `load`.
    public var operation: String?
    /// Part of the mandatory surface: such a check never skips, and one that
    /// cannot run fails, saying what the plugin must add.
    public var mandatory: Bool
    public var outcome: Outcome
    /// The last request the check sent before it passed or found the problem.
    public var request: SentRequest?
    /// For a failure, what was expected and what came back; for a skip, why.
    public var detail: String?

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
