import Yams

extension JSONValue {
    /// The most values a YAML text may hold once its aliases are expanded: a
    /// few hundred bytes of nested aliases (a "billion laughs") would
    /// otherwise expand to more than any memory holds.
    static let yamlValueLimit = 100_000
    /// The deepest nesting a YAML text may have.
    static let yamlDepthLimit = 64

    /// A YAML text (or JSON, which YAML reads too) as JSON values: mappings
    /// with text keys, sequences, and scalars as YAML resolves them; an empty
    /// text is null.
    ///
    /// - Throws: `invalid_request` for text that is not YAML, a key that is a
    ///   mapping or a sequence, or more values or nesting than the limits allow.
    package init(yamlText text: String) throws(ConnectorHostError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConnectorHostError(.invalidRequest, "not a YAML document: \(error)")
        }
        guard let root else {
            self = .null
            return
        }
        var budget = Self.yamlValueLimit
        self = try Self.value(of: root, budget: &budget, depth: 0)
    }

    private static func value(of node: Node, budget: inout Int, depth: Int) throws(ConnectorHostError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw ConnectorHostError(
                .invalidRequest, "the YAML holds more than \(yamlValueLimit) values once its aliases are expanded"
            )
        }
        guard depth < yamlDepthLimit else {
            throw ConnectorHostError(.invalidRequest, "the YAML nests deeper than \(yamlDepthLimit) levels")
        }
        switch node {
        case .scalar:
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: if let flag = node.bool { return .bool(flag) }
            case .int: if let number = node.int { return .integer(Int64(number)) }
            case .float: if let number = node.float, number.isFinite { return .number(number) }
            default: break
            }
            return .string(node.string ?? "")
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try value(of: element, budget: &budget, depth: depth + 1)) }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, member) in mapping {
                // JSON keys are text: a scalar key (`200:` in a list of answers) is read as its text.
                guard case .scalar(let scalar) = key else {
                    throw ConnectorHostError(.invalidRequest, "a mapping has a key that is not text (line \(key.mark?.line ?? 0))")
                }
                let name = scalar.string
                members[name] = try value(of: member, budget: &budget, depth: depth + 1)
            }
            return .object(members)
        case .alias:
            throw ConnectorHostError(.invalidRequest, "an alias the YAML does not define")
        }
    }
}
