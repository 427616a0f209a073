import Foundation

extension DeclarativeExchange {
    /// Walks a list operation's pages and answers every item at once:
    /// `{"items": [...], "pages": N, "complete": true}`, `complete` false when
    /// `max_pages` stopped the walk. A page that repeats the one before ends
    /// the walk with an error: an end system that returns its last page again
    /// would otherwise be walked forever.
    func walk(_ pagination: ConnectorDocument.Pagination, parameters: [String: JSONValue], call: PluginCallContext?) -> CustomReply {
        var items: [JSONValue] = []
        var previous: [JSONValue]?
        var offset = 0
        var page: Int = if case .page(_, _, let first) = pagination.style { first } else { 0 }
        var cursor: String?
        var nextLink: String?
        for number in 1...pagination.maxPages {
            var request: HTTPRequest
            do {
                request = try build(parameters: parameters, timeLeft: Self.timeLeft(of: call))
            } catch {
                return CustomReply(value: .null, outcome: PluginReply(status: error.status, body: [], message: error.message))
            }
            switch pagination.style {
            case .offset(let offsetParameter, let limitParameter):
                request.url = Self.adding([(offsetParameter, String(offset)), (limitParameter, String(pagination.pageSize))], to: request.url)
            case .page(let pageParameter, let sizeParameter, _):
                var query = [(pageParameter, String(page))]
                if let sizeParameter { query.append((sizeParameter, String(pagination.pageSize))) }
                request.url = Self.adding(query, to: request.url)
            case .cursor(let cursorParameter, _):
                if let cursor { request.url = Self.adding([(cursorParameter, cursor)], to: request.url) }
            case .link:
                if let nextLink { request.url = nextLink }
            }
            let response = session.connections.perform(request, call: call)
            guard response.failure == nil, (200..<300).contains(response.status) else { return reply(to: response) }
            let answer = (try? JSONValue(parsing: response.body)) ?? .null
            guard let found = answer.at(pointer: pagination.items)?.arrayValue else {
                return failure("page \(number) of \(operation.name) has no item array at \"\(pagination.items)\"")
            }
            if let previous, !found.isEmpty, found == previous {
                return failure(
                    "page \(number) of \(operation.name) repeats page \(number - 1): the end system returned the same page again, so the walk stops"
                )
            }
            items += found
            previous = found
            let more: Bool
            switch pagination.style {
            case .offset:
                offset += found.count
                more = found.count >= pagination.pageSize
            case .page:
                page += 1
                more = found.count >= pagination.pageSize
            case .cursor(_, let nextCursor):
                cursor = answer.at(pointer: nextCursor).flatMap { $0 == .null ? nil : DeclarativeExchange.text(of: $0) }
                more = !(cursor ?? "").isEmpty
            case .link:
                nextLink = response.header("Link").flatMap(Self.nextLink)
                if let link = nextLink, !Self.sameOrigin(link, document.baseURL) {
                    return failure("page \(number) of \(operation.name) links to \(link), outside \(document.baseURL); the walk stops")
                }
                more = nextLink != nil
            }
            if !more {
                return CustomReply(value: .json(["items": .array(items), "pages": .integer(Int64(number)), "complete": true]))
            }
        }
        return CustomReply(value: .json([
            "items": .array(items), "pages": .integer(Int64(pagination.maxPages)), "complete": false,
        ]))
    }

    private func failure(_ message: String) -> CustomReply {
        CustomReply(value: .null, outcome: PluginReply(status: .permanent, body: [], message: message))
    }

    /// `url` with `query` appended, each part percent-encoded.
    static func adding(_ query: [(String, String)], to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + query.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// The target of `rel="next"` in a `Link` header.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">"),
                pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "").lowercased() == "rel=\"next\"" || $0.lowercased() == "rel=next" })
            else { continue }
            return String(target.dropFirst().dropLast())
        }
        return nil
    }

    /// Whether two URLs have the same scheme, host and port.
    static func sameOrigin(_ first: String, _ second: String) -> Bool {
        guard let a = URL(string: first), let b = URL(string: second) else { return false }
        func port(_ url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }
}

extension JSONValue {
    /// The value a JSON pointer (RFC 6901) names; the whole value for "".
    func at(pointer: String) -> JSONValue? {
        guard !pointer.isEmpty else { return self }
        var current: JSONValue? = self
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let index = Int(key), let element = current?[index] {
                current = element
            } else {
                current = current?[key]
            }
        }
        return current
    }
}
