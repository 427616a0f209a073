import Hummingbird

/// The router's own list of routes, to say which methods a path takes: a
/// request the router found no route for is answered 405 with `Allow` when its
/// path is served with other methods (``JSONErrors``).
struct RouteTable: Sendable {
    private struct Template: Sendable {
        /// A constant segment, or nil for a parameter.
        let segments: [String?]
        var methods: Set<String>
    }

    private let templates: [Template]

    init(_ routes: [Router<AppRequestContext>.RouteDescription]) {
        var byPath: [[String?]: Set<String>] = [:]
        for route in routes {
            let segments = route.path.description.split(separator: "/").map { segment -> String? in
                segment.hasPrefix(":") || segment.hasPrefix("{") ? nil : String(segment)
            }
            byPath[segments, default: []].insert(route.method.rawValue)
        }
        templates = byPath.map { Template(segments: $0.key, methods: $0.value) }
    }

    /// Whether the path is served, but not with this method. (A path the
    /// router found nothing for although a template here takes its method is
    /// one the router's resolution stops short of: it stays a 404.)
    func refuses(_ method: String, path: String) -> Bool {
        let allowed = allowedMethods(for: path)
        return !allowed.isEmpty && !allowed.contains(method)
    }

    /// The methods of the route the router resolves `path` to, or none when no
    /// route has that path.
    ///
    /// The router resolves a path to one template whatever the method,
    /// preferring a constant segment to a parameter from the first segment on;
    /// the same preference picks the template here, so that `Allow` lists
    /// what that template takes.
    func allowedMethods(for path: String) -> [String] {
        let components = path.split(separator: "/").map(String.init)
        let matching = templates.filter { template in
            template.segments.count == components.count
                && zip(template.segments, components).allSatisfy { segment, component in segment.map { $0 == component } ?? true }
        }
        let best = matching.max { lhs, rhs in
            lhs.segments.map { $0 == nil ? 0 : 1 }.lexicographicallyPrecedes(rhs.segments.map { $0 == nil ? 0 : 1 })
        }
        return best?.methods.sorted() ?? []
    }
}
