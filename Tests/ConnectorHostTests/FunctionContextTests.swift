@testable import ConnectorHost
@testable import ConnectorHostRuntime
import ConnectorHostABI
import Foundation
import Testing

/// Custom functions that take their context (`CH_TYPE_CONTEXT`, ABI version 3)
/// are first-class calls: they run in the session of the caller's settings,
/// see the settings, the deadline and cancellation, and fail with the host's
/// taxonomy exactly as a standard operation does — in either runtime.
@Suite(.timeLimit(.minutes(5))) struct FunctionContextTests {
    typealias Runtime = CustomFunctionTests.Runtime

    /// The custom-function fixture and the tracker, retrying after 1 ms so a
    /// transient failure is repeated without waiting on the wall clock.
    static func host(_ runtime: Runtime) async throws -> ConnectorHost {
        try await CustomFunctionTests.host(runtime) { overrides in
            overrides.retryDelay = .milliseconds(1)
            overrides.jitter = false
            overrides.timeout = .seconds(20)
        }
    }

    @Test(arguments: Runtime.allCases)
    func theTrackerReadsTheCallersDatabaseThroughItsSession(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let tracker = try host.connector(named: "tracker")
        let database = try TestSupport.temporaryDirectory().appendingPathComponent("t.sqlite").path
        let credentials = [SessionSetting(key: "database", value: database)]
        let created = try TestSupport.object(try await tracker.call(
            .entityCreate, request: TestSupport.json(["entityTypeId": "bug", "fields": ["title": "Crash on save"]]),
            credentials: credentials
        ))
        let id = try #require(created["id"] as? String)

        let title = try await tracker.callFunction(
            .name("entity_title"), arguments: TestSupport.json([id]), credentials: credentials
        )
        #expect(title == .string("Crash on save"))

        let absent = try TestSupport.json(["999"])
        let missing = await hostError { () throws(ConnectorHostError) in
            try await tracker.callFunction(.name("entity_title"), arguments: absent, credentials: credentials)
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "tracker entity_title: not found: no entity 999")

        let notANumber = try TestSupport.json(["x"])
        let malformed = await hostError { () throws(ConnectorHostError) in
            try await tracker.callFunction(.name("entity_title"), arguments: notANumber, credentials: credentials)
        }
        #expect(malformed?.code == .invalidRequest)
        #expect(malformed?.message.contains("entity_id must be a positive whole number") == true)
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func theContextCarriesTheSettingsTheSessionAndTheDeadline(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        let credentials = [SessionSetting(key: "region", value: "eu"), SessionSetting(key: "token", value: "s3cret", sensitive: true)]
        let first = try await custom.callFunction(.name("describe_context"), arguments: [], credentials: credentials)
        guard case .string(let text) = first else {
            Issue.record("describe_context answered \(first)")
            return
        }
        let context = try TestSupport.object(Array(text.utf8))
        let settings = try #require(context["settings"] as? [[String: Any]])
        #expect(settings.map { $0["key"] as? String } == ["region", "token"], "the settings session.open received")
        #expect(settings.last?["sensitive"] as? Bool == true)
        #expect(context["state"] as? String == "1.0.0", "the state session.open left in the session")
        #expect(context["cancelled"] as? Bool == false)
        let remaining = try #require(context["remainingMs"] as? Int)
        #expect(remaining > 0 && remaining <= 20_000, "the attempt's time limit, \(remaining) ms left")
        #expect(context["structSize"] as? Int == MemoryLayout<ch_function_context>.size)

        // The same settings share the pooled session; others get their own.
        let again = try await custom.callFunction(.name("describe_context"), arguments: [], credentials: credentials)
        let other = try await custom.callFunction(.name("describe_context"), arguments: [], credentials: [])
        func session(_ value: CustomValue) throws -> Int? {
            guard case .string(let text) = value else { return nil }
            return try TestSupport.object(Array(text.utf8))["session"] as? Int
        }
        #expect(try session(again) == context["session"] as? Int)
        #expect(try session(other) != context["session"] as? Int)
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func aFunctionFailsWithTheTaxonomyOfStandardOperations(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        func fail(_ status: String) async -> ConnectorHostError? {
            let arguments = Array("[\"\(status)\"]".utf8)
            return await hostError { () throws(ConnectorHostError) in
                try await custom.callFunction(.name("fail_with"), arguments: arguments)
            }
        }
        let expected: [(String, ConnectorHostError.Code, String)] = [
            ("invalid_request", .invalidRequest, "custom rejected fail_with as invalid: failed as asked: invalid_request"),
            ("not_found", .notFound, "custom fail_with: not found: failed as asked: not_found"),
            ("permanent", .pluginError, "custom fail_with failed: failed as asked: permanent"),
            ("unknown", .pluginError, "custom fail_with returned -99, which is not a ch_status value: failed as asked: unknown"),
        ]
        for (status, code, message) in expected {
            let error = await fail(status)
            #expect(error?.code == code, "\(status)")
            #expect(error?.message == message)
        }
        let limited = await fail("rate_limited")
        #expect(limited?.code == .rateLimited)
        #expect(limited?.retryAfter == .milliseconds(2500), "the function's retry_after_ms reaches the caller")

        // Retried under the policy (1 + 3 attempts), then reported.
        let transient = await fail("transient")
        #expect(transient?.code == .pluginError)
        #expect(transient?.message.contains("gave up after 4 attempts") == true, "\(transient?.message ?? "")")

        // A session the function refuses is replaced once; a second refusal is the caller's.
        let unauthorized = await fail("unauthorized")
        #expect(unauthorized?.code == .unauthorized)
        #expect(unauthorized?.message == "custom fail_with: the session is not valid: failed as asked: unauthorized")
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func aRefusedSessionIsReopenedOnceAndATransientFailureRetried(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        let first = try await custom.callFunction(.name("describe_context"), arguments: [])
        let reopened = try await custom.callFunction(.name("refuse_first_session"), arguments: [])
        guard case .string(let text) = first, case .unsigned(let session) = reopened else {
            Issue.record("answers: \(first), \(reopened)")
            return
        }
        let refused = try TestSupport.object(Array(text.utf8))["session"] as? Int
        #expect(refused.map(UInt64.init) != session, "answered in a new session, not the refused one")
        #expect(session > 0)
        #expect(try await custom.callFunction(.name("transient_once"), arguments: []) == .signed(2), "the second attempt answered")
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func aMessageTheHostDidNotAllocateIsNamedNotFreed(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        let error = await hostError { () throws(ConnectorHostError) in
            try await custom.callFunction(.name("literal_message"), arguments: [])
        }
        #expect(error?.code == .pluginError)
        #expect(error?.message.contains("context->message was not allocated with host->allocate") == true, "\(error?.message ?? "")")
        #expect(try await custom.callFunction(.name("echo_int32"), arguments: Array("[5]".utf8)) == .signed(5), "the worker lives on")
        await host.shutdown()
    }

    @Test func callersPassNoArgumentForTheContextAndPlainFunctionsTakeNoSettings() async throws {
        let host = try await Self.host(.sandbox)
        let custom = try host.connector(named: "custom")
        let function = try custom.customFunction(.name("fail_with"))
        #expect(function.signature?.declaration(named: "fail_with") == "int32_t fail_with(ch_function_context *, const char *)")
        #expect(function.signature?.takesContext == true)
        let arity = await hostError { () throws(ConnectorHostError) in
            try await custom.callFunction(.name("fail_with"), arguments: Array("[]".utf8))
        }
        #expect(arity?.code == .invalidRequest)
        #expect(arity?.message.hasPrefix("custom fail_with takes 1 argument after the context the host passes") == true)

        let plain = await hostError { () throws(ConnectorHostError) in
            try await custom.callFunction(
                .name("echo_int32"), arguments: Array("[1]".utf8), credentials: [SessionSetting(key: "a", value: "b")]
            )
        }
        #expect(plain?.code == .invalidRequest, "settings are refused, never dropped")
        #expect(plain?.message.contains("plain C function without a context") == true)
        await host.shutdown()
    }

    @Test func theCLICarriesTheSettingsAndTakesTheOneCallPath() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory.appendingPathComponent("t.sqlite").path
        let plugins = TestSupport.pluginDirectory
        let created = try await CLI.run([
            "call", "--plugins", plugins, "tracker", "entity.create", "--setting", "database=\(database)",
            "--data-directory", directory.path, "--request", #"{"entityTypeId":"bug","fields":{"title":"From the CLI"}}"#,
        ])
        #expect(created.status == 0, "\(created.standardError)")
        let title = try await CLI.run([
            "call", "--plugins", plugins, "tracker", "--function", "entity_title", "--args", #"["1"]"#,
            "--setting", "database=\(database)", "--data-directory", directory.path,
        ])
        #expect(title.status == 0, "\(title.standardError)")
        #expect(title.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == #""From the CLI""#)
        let missing = try await CLI.run([
            "call", "--plugins", plugins, "tracker", "--function", "entity_title", "--args", #"["7"]"#,
            "--setting", "database=\(database)", "--data-directory", directory.path,
        ])
        #expect(missing.status == 3, "not_found, as for an operation")
        #expect(missing.standardError.contains("no entity 7"))

        // The CLI takes the path of the server and the Swift API: a session the
        // plugin refuses is reopened once, and session.open answers what the plugin did.
        let fixtures = try TestSupport.temporaryDirectory()
        try TestSupport.populate(fixtures, with: ["custom.so": TestSupport.fixture("custom")])
        let reopened = try await CLI.run(["call", "--plugins", fixtures.path, "custom", "--function", "refuse_first_session"])
        #expect(reopened.status == 0, "\(reopened.standardError)")
        let opened = try await CLI.run(["call", "--plugins", fixtures.path, "custom", "session.open", "--setting", "a=b"])
        #expect(opened.status == 0, "\(opened.standardError)")
        #expect(opened.standardOutput.contains(#""operation" : "session.open""#), "\(opened.standardOutput)")
    }
}
