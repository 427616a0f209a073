/// entity.list paging: by startIndex, by nextPageLink, and within maxResults.
extension ConformanceRun {
    /// Every ID entity.list gives, page by page with startIndex.
    func pagesByStartIndex(pageSize: Int) async throws(ConnectorHostError) -> [String] {
        var seen: [String] = []
        for _ in 0..<Self.pageLimit {
            let page = try await call(.entityList, [
                "entityTypeId": .string(entityType ?? ""), "startIndex": .integer(Int64(seen.count)),
                "maxResults": .integer(Int64(pageSize)),
            ])
            let ids = page["entities"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            // A page repeating an entity already seen ends the walk: the
            // duplicate fails the check, and a plugin ignoring startIndex
            // would otherwise answer full pages until the limit.
            let repeats = ids.contains(where: seen.contains)
            seen += ids
            if ids.count < pageSize || repeats { break }
        }
        return seen
    }

    /// A run walks at most this many pages: a plugin whose pages never end
    /// fails instead of holding the run forever.
    static let pageLimit = 10_000

    /// "entity X came N times" or "entity X was on none" for a walk over pages; nil when it saw each once.
    func pagingProblem(_ seen: [String], created: [String]) -> String? {
        var counts: [String: Int] = [:]
        for id in seen { counts[id, default: 0] += 1 }
        if let duplicate = seen.first(where: { counts[$0, default: 0] > 1 }) {
            return "expected every entity on one page only; entity \(duplicate) came \(counts[duplicate] ?? 0) times"
        }
        if let missing = created.first(where: { counts[$0] == nil }) {
            return "expected every entity on some page; entity \(missing) was on none"
        }
        return nil
    }

    func checkPaging() async {
        let type = JSONValue.string(entityType ?? "")
        let pageSize = min(3, maxResults)
        var created: [String] = []
        await check(.entity, "entity.list pages", of: [.entityList, .entityCreate], unless: noEntity) { () async throws(ConnectorHostError) -> String? in
            for index in 0..<(pageSize * 2 + 1) { created.append(try await createEntity("page \(index)")) }
            let first = try await call(.entityList, ["entityTypeId": type, "startIndex": 0, "maxResults": .integer(Int64(pageSize))])
            if let problems = shapeProblems(DocumentedShapes.entityPage, first) { return problems }
            return pagingProblem(try await pagesByStartIndex(pageSize: pageSize), created: created)
        }
        await checkPageLinks(pageSize: pageSize, created: created)
        await check(.entity, "entity.list honours maxResults", of: [.entityList], unless: noEntityType) { () async throws(ConnectorHostError) -> String? in
            let page = try await call(.entityList, ["entityTypeId": type, "startIndex": 0, "maxResults": 1])
            let count = page["entities"]?.arrayValue?.count ?? 0
            return count <= 1 ? nil : "expected at most 1 entity for maxResults 1, got \(count)"
        }
    }

    /// nextPageLink is optional: a plugin whose first page of several gives
    /// none does not offer it, and the walk is skipped.
    private func checkPageLinks(pageSize: Int, created: [String]) async {
        let name = "entity.list follows nextPageLink"
        let type = JSONValue.string(entityType ?? "")
        let firstRequest: JSONValue = ["entityTypeId": type, "startIndex": 0, "maxResults": .integer(Int64(pageSize))]
        if noEntity == nil, !created.isEmpty, let first = try? await call(.entityList, firstRequest),
            first["nextPageLink"]?.stringValue == nil
        {
            notOffered(.entity, name, of: .entityList, "the plugin gives no nextPageLink on a first page of several (optional)")
            return
        }
        let blocker = noEntity ?? (created.isEmpty ? "it needs the entities \"entity.list pages\" creates" : nil)
        await check(.entity, name, of: [.entityList], unless: blocker) { () async throws(ConnectorHostError) -> String? in
            var seen: [String] = []
            var request = firstRequest
            for _ in 0..<Self.pageLimit {
                let page = try await call(.entityList, request)
                if let problems = shapeProblems(DocumentedShapes.entityPage, page) { return problems }
                seen += page["entities"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                if let problem = pagingProblem(seen, created: []) { return problem + " following nextPageLink" }
                guard let link = page["nextPageLink"]?.stringValue else {
                    return pagingProblem(seen, created: created).map { $0 + " following nextPageLink" }
                }
                request = ["entityTypeId": type, "maxResults": .integer(Int64(pageSize)), "nextPageLink": .string(link)]
            }
            return "expected the last page to answer nextPageLink null; \(Self.pageLimit) pages each gave another"
        }
    }
}
