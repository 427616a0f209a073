/// users: user.search by one filter, and refusing several.
extension ConformanceRun {
    func checkUsers() async {
        await check(.users, "user.search answers the documented shape", of: [.userSearch], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            shapeProblems(DocumentedShapes.users, try await call(.userSearch, ["username": .string("\(tag)-nobody")]))
        }
        await check(.users, "user.search with two filters is invalid", of: [.userSearch], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            await expectFailure(.invalidRequest, .userSearch, ["username": "a", "email": "a@example.com"], "two filters")
        }
    }
}
