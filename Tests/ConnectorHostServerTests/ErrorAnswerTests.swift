import ConnectorHost
import ConnectorHostRegistry
@testable import ConnectorHostServer
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The REST side of the error taxonomy: the status of each code, and a
/// remedy written as the request that takes it.
@Suite(.timeLimit(.minutes(5))) struct ErrorAnswerTests {
    @Test func everyCodeAnswersAnErrorStatusOfItsOwnClass() {
        let codes = ConnectorHostError.Code.allCases
        #expect(codes.allSatisfy { (400...499).contains($0.httpStatus.code) || (502...504).contains($0.httpStatus.code) })
        #expect(codes.map(\.httpStatus.code) == [400, 404, 401, 409, 422, 422, 502, 502, 504, 429, 429, 429, 503])
        #expect(ConnectorHostError.Code.rateLimited.httpStatus == .tooManyRequests)
        #expect(ConnectorHostError.Code.unauthorized.httpStatus == .unauthorized)
    }

    @Test func theLastAdminTokensRemedyIsTheRequestThatIssuesAnother() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remedy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = try await Registry(path: directory.appendingPathComponent("registry.sqlite").path)
        #expect(try await registry.ensureAdminToken(configured: "the-only-admin-token") == nil)
        let id = try #require(try await registry.tokens().first?.id)
        let error = try await #require(throws: ConnectorHostError.self) { try await registry.revokeToken(id: id, by: .admin) }
        #expect(error.code == .conflict)
        #expect(error.remedy == .issueAdminToken)
        #expect(!error.message.contains("/admin"), "the library names no REST path: \(error.message)")
        #expect(error.description == "conflict: '\(id)' is the last admin token; issue another admin token before revoking it")
        let body = String(decoding: APIError.plain(error).body, as: UTF8.self)
        #expect(body == #"{"error":{"code":"conflict","message":"'\#(id)' is the last admin token; issue another (POST /admin/tokens) before revoking it"}}"#)
    }

    @Test func aQuarantinedPluginsRemedyIsItsRestartRequest() {
        let error = ConnectorHostError(.unavailable, "tracker is quarantined: it crashed 3 times", remedy: .restartPlugin("tracker"))
        #expect(error.restMessage == "tracker is quarantined: it crashed 3 times; restart it (POST /plugins/tracker/restart) or replace its file")
        #expect(error.explanation == "tracker is quarantined: it crashed 3 times; restart it or replace its file")
        #expect(ConnectorHostError.Summary(error).message == error.explanation, "--json output says it in words")
        let sdk = String(decoding: SDKRoutes.sdkError(error).body, as: UTF8.self)
        #expect(sdk.contains(#""message":"tracker is quarantined: it crashed 3 times; restart it (POST /plugins/tracker/restart) or replace its file""#))
    }
}
