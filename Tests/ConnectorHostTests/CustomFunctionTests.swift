@testable import ConnectorHost
@testable import ConnectorHostRuntime
import CoreMetrics
import Foundation
import Testing

/// Custom functions through libffi, in a sandbox worker and in process: every
/// type at its limits, and every wrong argument refused before the call.
@Suite(.timeLimit(.minutes(5))) struct CustomFunctionTests {
    enum Runtime: String, CaseIterable, CustomTestStringConvertible {
        case sandbox
        case inProcess = "in-process"
        var testDescription: String { rawValue }
    }

    /// A host serving the custom-function fixture and the tracker.
    ///
    /// - Parameter adjust: Changes the policy every plugin gets.
    static func host(_ runtime: Runtime, adjust: (inout ResilienceOverrides) -> Void = { _ in }) async throws -> ConnectorHost {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "custom.so": TestSupport.fixture("custom"), "tracker.so": TestSupport.plugin("tracker"),
        ])
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        if runtime == .inProcess { configuration.trustedPlugins = ["custom", "tracker"] }
        var generous = ResilienceOverrides()
        generous.rateLimitPerMinute = 100_000
        adjust(&generous)
        configuration.resilience = generous
        let host = try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
        // The functions are under test, not the start: on a loaded machine a
        // start can outlast a call's time limit (WorkersOnDemandTests covers it).
        for name in host.connectorNames { try await host.connector(named: name).warmUp() }
        return host
    }

    static let limits: [(String, String, String)] = [
        ("echo_bool", "[true]", "true"), ("echo_bool", "[false]", "false"),
        ("echo_int8", "[-128]", "-128"), ("echo_int8", "[127]", "127"),
        ("echo_uint8", "[0]", "0"), ("echo_uint8", "[255]", "255"),
        ("echo_int16", "[-32768]", "-32768"), ("echo_int16", "[32767]", "32767"),
        ("echo_uint16", "[65535]", "65535"),
        ("echo_int32", "[-2147483648]", "-2147483648"), ("echo_int32", "[2147483647]", "2147483647"),
        ("echo_uint32", "[4294967295]", "4294967295"),
        ("echo_int64", "[-9223372036854775808]", "-9223372036854775808"),
        ("echo_int64", "[9223372036854775807]", "9223372036854775807"),
        ("echo_uint64", "[0]", "0"), ("echo_uint64", "[18446744073709551615]", "18446744073709551615"),
        ("echo_float", "[3.4028234663852886e38]", "3.4028235e+38"), ("echo_float", "[-1.5]", "-1.5"),
        ("echo_float", "[1.401298464324817e-45]", "1e-45"),
        ("echo_double", "[1.7976931348623157e308]", "1.7976931348623157e+308"),
        ("echo_double", "[-4.9406564584124654e-324]", "-5e-324"), ("echo_double", "[3]", "3"),
        ("echo_string", "[\"\"]", "\"\""), ("echo_string", "[\"café 日本語 😀\"]", "\"café 日本語 😀\""),
        ("echo_bytes", "[\"hello\"]", "\"aGVsbG8=\""), ("echo_bytes", "[\"\"]", "\"\""),
        ("no_string", "[]", "null"),
        ("sum_mixed", "[-128,255,-32768,65535,-2147483648,4294967295,1,2,0.5,0.25,true]", "2147516545.75"),
    ]

    @Test(arguments: Runtime.allCases)
    func everyTypeRoundTripsAtItsLimits(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        for (function, arguments, expected) in Self.limits {
            let result = try await custom.callFunction(.name(function), arguments: Array(arguments.utf8))
            #expect(String(decoding: result.json, as: UTF8.self) == expected, "\(function)\(arguments)")
        }
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func theTrackersFunctionsAnswerByNameAndEntityID(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let tracker = try host.connector(named: "tracker")
        #expect(try await tracker.callFunction(.name("checksum"), arguments: Array(#"["hello"]"#.utf8)) == .unsigned(907_060_870))
        #expect(try await tracker.callFunction(.entityId(200050), arguments: Array(#"["hello"]"#.utf8)) == .unsigned(907_060_870))
        #expect(try await tracker.callFunction(.name("convert_hours"), arguments: Array(#"[16, "days"]"#.utf8)) == .double(2))
        #expect(try await tracker.callFunction(.name("slug"), arguments: Array(#"["Crash on save: NOW!"]"#.utf8)) == .string("crash-on-save-now"))
        #expect(try await tracker.callFunction(.name("compare_priorities"), arguments: Array(#"["low", "high"]"#.utf8)) == .signed(-1))
        #expect(try await tracker.callFunction(.name("sla_minutes"), arguments: Array("[4]".utf8)) == .signed(15))
        #expect(try await tracker.callFunction(.name("story_points_hours"), arguments: Array("[3, 1.5]".utf8)) == .float(4.5))
        #expect(try await tracker.callFunction(.name("is_closed"), arguments: Array(#"["resolved"]"#.utf8)) == .bool(true))
        #expect(try await tracker.callFunction(.name("days_between"), arguments: Array("[0, 864000]".utf8)) == .signed(10))
        #expect(try await tracker.callFunction(.name("entity_number"), arguments: Array(#"["TRK-42"]"#.utf8)) == .unsigned(42))
        #expect(try await tracker.callFunction(.name("note"), arguments: Array(#"["a note"]"#.utf8)) == .null)
        let nan = try await tracker.callFunction(.name("convert_hours"), arguments: Array(#"[1, "fortnights"]"#.utf8))
        #expect(String(decoding: nan.json, as: UTF8.self) == "\"NaN\"")

        // Against a real database: count and export what a session created.
        let database = try TestSupport.temporaryDirectory().appendingPathComponent("t.sqlite").path
        let session = try await tracker.openSession([SessionSetting(key: "database", value: database)])
        for title in ["One", "Two \"quoted\""] {
            _ = try await tracker.call(.entityCreate, request: TestSupport.json([
                "entityTypeId": "bug", "fields": ["title": title],
            ]), session: session)
        }
        try await tracker.closeSession(session)
        let count = try await tracker.callFunction(
            .name("count_entities"), arguments: TestSupport.json([database, "bug", "open"])
        )
        #expect(count == .signed(2))
        let csv = try await tracker.callFunction(.name("export_csv"), arguments: TestSupport.json([database, "bug"]))
        #expect(csv == .bytes(Array("id,title,status,priority\n1,\"One\",\"open\",\"medium\"\n2,\"Two \"\"quoted\"\"\",\"open\",\"medium\"\n".utf8)))
        await host.shutdown()
    }

    @Test(arguments: [
        ("echo_int8", "[128]", "argument 1 of custom echo_int8: expected int8 (-128...127), got 128"),
        ("echo_int8", "[-129]", "argument 1 of custom echo_int8: expected int8 (-128...127), got -129"),
        ("echo_uint8", "[-1]", "argument 1 of custom echo_uint8: expected uint8 (0...255), got -1"),
        ("echo_uint16", "[65536]", "argument 1 of custom echo_uint16: expected uint16 (0...65535), got 65536"),
        ("echo_int32", "[2147483648]", "argument 1 of custom echo_int32: expected int32 (-2147483648...2147483647), got 2147483648"),
        ("echo_uint32", "[4294967296]", "argument 1 of custom echo_uint32: expected uint32 (0...4294967295), got 4294967296"),
        ("echo_int64", "[9223372036854775808]", "argument 1 of custom echo_int64: expected int64 (-9223372036854775808...9223372036854775807), got 9223372036854775808"),
        ("echo_uint64", "[-1]", "argument 1 of custom echo_uint64: expected uint64 (0...18446744073709551615), got -1"),
        // Found by Fuzz/custom-arguments: 2^63 as a double once passed and was stored as Int64.min.
        ("echo_int64", "[9.2233720368547758207e18]", "argument 1 of custom echo_int64: expected int64 (-9223372036854775808...9223372036854775807), got 9.223372036854776e+18"),
        ("echo_int32", "[1.5]", "argument 1 of custom echo_int32: expected int32 (-2147483648...2147483647), got 1.5"),
        ("echo_float", "[1e39]", "argument 1 of custom echo_float: expected float (a number within ±3.4028235e+38), got 1e+39"),
        ("echo_bool", "[1]", "argument 1 of custom echo_bool: expected bool (true or false), got 1"),
        ("echo_int32", "[\"7\"]", "argument 1 of custom echo_int32: expected int32 (-2147483648...2147483647), got a string"),
        ("echo_string", "[7]", "argument 1 of custom echo_string: expected string (JSON text), got 7"),
        ("echo_string", "[null]", "argument 1 of custom echo_string: expected string (JSON text), got null"),
        ("echo_string", "[\"a\\u0000b\"]", "argument 1 of custom echo_string: expected string without NUL characters, got a string"),
        ("echo_int32", "[]", "custom echo_int32 takes 1 argument (int32_t echo_int32(int32_t)); got 0"),
        ("echo_int32", "[1, 2]", "custom echo_int32 takes 1 argument (int32_t echo_int32(int32_t)); got 2"),
        ("echo_int32", "{\"a\": 1}", "the arguments of custom echo_int32 must be a JSON array"),
        ("echo_int32", "[[1]]", "argument 1 of custom echo_int32: expected int32 (-2147483648...2147483647), got a JSON array"),
    ])
    func wrongArgumentsAreRefused(function: String, arguments: String, message: String) async throws {
        let host = try await Self.host(.sandbox)
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await host.connector(named: "custom").callFunction(.name(function), arguments: Array(arguments.utf8))
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
        await host.shutdown()
    }

    @Test func wrongArgumentsNeverReachThePlugin() async throws {
        let fixture = GuardFixture([.reply(.ok)])
        let connector = Connector(plugin: HostedPlugin(path: "/scripted.so", fileSHA256: nil, guarded: fixture.guarded, clock: fixture.clock))
        for arguments in ["[300, 1, \"x\"]", "[1, \"x\", \"x\"]", "[1, 1]", "[1, 1, 2]"] {
            await #expect(throws: ConnectorHostError.self) {
                _ = try await connector.callFunction(.name("scale"), arguments: Array(arguments.utf8))
            }
        }
        #expect(fixture.runtime.invocations == 0)
        _ = try await connector.callFunction(.name("scale"), arguments: Array("[-128, 2.5, \"x\"]".utf8))
        #expect(fixture.runtime.invocations == 1)
    }

    @Test func referencesThatDoNotNameACustomFunction() async throws {
        let host = try await Self.host(.sandbox)
        let tracker = try host.connector(named: "tracker")
        let standard = await #expect(throws: ConnectorHostError.self) {
            _ = try await tracker.callFunction(.entityId(200005), arguments: [])
        }
        #expect(standard?.code == .invalidRequest)
        #expect(standard?.message == "tracker entity ID 200005 is the standard operation server.info; call it as an operation")
        let unknown = await #expect(throws: ConnectorHostError.self) {
            _ = try await tracker.callFunction(.name("nope"), arguments: [])
        }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.hasPrefix("tracker has no function with 'nope' (custom functions: checksum, count_entities") == true)
        #expect(FunctionReference("200050") == .entityId(200050))
        #expect(FunctionReference("checksum") == .name("checksum"))
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func jsonDocumentsGoInAndComeOutAsJSON(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        let wrapped = try await custom.callFunction(.name("wrap_json"), arguments: Array(#"[{"a": [1, "two", null]}]"#.utf8))
        #expect(String(decoding: wrapped.json, as: UTF8.self) == #"{"got":{"a":[1,"two",null]}}"#)
        // One JSON parameter takes an object as it is, and any JSON value in an array.
        let bare = try await custom.callFunction(.name("wrap_json"), arguments: Array(#"{"q": "x"}"#.utf8))
        #expect(String(decoding: bare.json, as: UTF8.self) == #"{"got":{"q":"x"}}"#)
        let scalar = try await custom.callFunction(.name("wrap_json"), arguments: Array("[42]".utf8))
        #expect(String(decoding: scalar.json, as: UTF8.self) == #"{"got":42}"#)
        #expect(try custom.customFunction(.name("wrap_json")).signature?.declaration(named: "wrap_json")
            == "char * /* JSON */ wrap_json(const char * /* JSON */)")
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await custom.callFunction(.name("not_json"), arguments: [])
        }
        #expect(error?.code == .pluginError)
        #expect(error?.message.contains("returned text that is not JSON") == true)
        await host.shutdown()
    }

    /// The limit the sandbox's frames impose holds in process too, so a
    /// plugin fails the same way trusted or sandboxed.
    @Test(arguments: Runtime.allCases)
    func aStringOverTheResponseLimitIsAPluginErrorInEitherRuntime(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let custom = try host.connector(named: "custom")
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await custom.callFunction(.name("oversized_string"), arguments: [])
        }
        #expect(error?.code == .pluginError)
        #expect(error?.message == "custom oversized_string returned a 16777217-byte string, over CH_MAX_RESPONSE_BYTES (16777216)",
                "\(error?.message ?? "")")
        #expect(try await custom.callFunction(.name("echo_int32"), arguments: Array("[5]".utf8)) == .signed(5))
        await host.shutdown()
    }

    @Test(arguments: Runtime.allCases)
    func aStringThatIsNotUTF8IsAPluginError(_ runtime: Runtime) async throws {
        let host = try await Self.host(runtime)
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await host.connector(named: "custom").callFunction(.name("bad_utf8"), arguments: [])
        }
        #expect(error?.code == .pluginError)
        #expect(error?.message == "custom bad_utf8 returned a string that is not valid UTF-8")
        await host.shutdown()
    }

    /// Every string and buffer a plugin returns is freed once by the worker:
    /// under LeakSanitizer (`make test-leaks`) a leak makes the worker's exit
    /// status non-zero, and a double free aborts it.
    @Test func aWorkerThatReturnedManyStringsExitsCleanly() async throws {
        let clock = SystemClock()
        let worker = try await SandboxLoader.load(
            pluginPath: TestSupport.fixture("custom"), policy: ResiliencePolicy(), settings: TestSupport.sandbox,
            clock: clock, logger: TestSupport.quietLogger
        ).worker
        for index in 0..<200 {
            let text = String(repeating: "x", count: index)
            #expect(try await worker.callCustom(
                SandboxProtocol.CustomCall(CustomFunctionRequest(function: "echo_string", arguments: [.string(text)]), timeLimit: 0),
                timeLimit: .seconds(10), pluginName: "custom"
            ).value == .string(text))
            #expect(try await worker.callCustom(
                SandboxProtocol.CustomCall(CustomFunctionRequest(function: "echo_bytes", arguments: [.string(text)]), timeLimit: 0),
                timeLimit: .seconds(10), pluginName: "custom"
            ).value == .bytes(Array(text.utf8)))
        }
        await worker.stop(within: .seconds(10))
        #expect(await worker.exit() == .exited(0))
    }
}
