@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Foundation
import SharedTestSupport
import Testing

/// Declarative HTTP connectors (connector documents) served like compiled
/// plugins, against a real httpbin on loopback: every auth type it offers,
/// every parameter location, the status mapping, and the document checks.
@Suite(.timeLimit(.minutes(3))) struct DeclarativeConnectorTests {
    typealias Runtime = CustomFunctionTests.Runtime

    /// A document for httpbin with `auth` lines and `operations` lines.
    static func document(name: String, auth: String, operations: String, port: Int) -> String {
        """
        name: \(name)
        base_url: http://127.0.0.1:\(port)
        version: 1.0.0
        \(auth)
        operations:
        \(operations)
        """
    }

    /// A host serving `documents` (file name to text), retrying after 1 ms.
    static func host(_ documents: [String: String], runtime: Runtime = .sandbox) async throws -> ConnectorHost {
        let directory = try TestSupport.temporaryDirectory()
        for (name, text) in documents {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        var configuration = TestSupport.configuration(pluginDirectory: directory.path)
        var overrides = ResilienceOverrides()
        overrides.retryDelay = .milliseconds(1)
        overrides.jitter = false
        overrides.rateLimitPerMinute = 100_000
        configuration.resilience = overrides
        if runtime == .inProcess { configuration.trustedPlugins = Set(documents.keys.map { String($0.prefix { $0 != "." }) }) }
        return try await TestSupport.runningHost(configuration: configuration, logger: TestSupport.quietLogger)
    }

    static func call(
        _ host: ConnectorHost, _ connector: String, _ operation: String, _ parameters: String = "{}",
        _ credentials: [SessionSetting] = []
    ) async throws(ConnectorHostError) -> JSONValue {
        let result = try await host.connector(named: connector).callFunction(
            .name(operation), arguments: Array(parameters.utf8), credentials: credentials
        )
        guard case .json(let document) = result else {
            throw ConnectorHostError(.pluginError, "not JSON: \(result)")
        }
        return document
    }

    @Test(arguments: Runtime.allCases)
    func everyAuthTypeReachesTheEndSystem(_ runtime: Runtime) async throws {
        let port = try LoopbackServer.httpbin().port
        let host = try await Self.host([
            "open.connector.yaml": Self.document(name: "open", auth: "auth_type: none", operations: """
                  - {name: get, method: GET, path: /get}
                """, port: port),
            "basic.connector.yaml": Self.document(name: "basic", auth: """
                auth_type: basic
                credential_schema:
                  username: {label: User, required: true}
                  password: {label: Password, type: password, required: true}
                """, operations: """
                  - {name: check, method: GET, path: /basic-auth/alice/s3cret}
                """, port: port),
            "bearer.connector.yaml": Self.document(name: "bearer", auth: """
                auth_type: bearer
                credential_schema:
                  token: {label: Token, type: password, required: true}
                """, operations: """
                  - {name: check, method: GET, path: /bearer}
                """, port: port),
            "keyed.connector.yaml": Self.document(name: "keyed", auth: """
                auth_type: api_key
                header_name: X-API-Key
                key_prefix: "Key "
                credential_schema:
                  api_key: {label: Key, type: password, required: true}
                """, operations: """
                  - {name: headers, method: GET, path: /headers}
                """, port: port),
            "queried.connector.yaml": Self.document(name: "queried", auth: """
                auth_type: api_key
                query_name: appid
                credential_schema:
                  api_key: {label: Key, type: password, required: true}
                """, operations: """
                  - {name: get, method: GET, path: /get}
                """, port: port),
        ], runtime: runtime)

        #expect(try await Self.call(host, "open", "get")["url"]?.stringValue == "http://127.0.0.1:\(port)/get")
        let basic = [SessionSetting(key: "username", value: "alice"), SessionSetting(key: "password", value: "s3cret", sensitive: true)]
        #expect(try await Self.call(host, "basic", "check", "{}", basic)["authenticated"]?.boolValue == true)
        let wrong = [SessionSetting(key: "username", value: "alice"), SessionSetting(key: "password", value: "nope", sensitive: true)]
        let refused = await hostError { () throws(ConnectorHostError) in try await Self.call(host, "basic", "check", "{}", wrong) }
        #expect(refused?.code == .unauthorized, "a 401 is an invalid session: \(refused?.message ?? "")")
        let bearer = try await Self.call(host, "bearer", "check", "{}", [SessionSetting(key: "token", value: "t0k3n")])
        #expect(bearer["token"]?.stringValue == "t0k3n")
        let keyed = try await Self.call(host, "keyed", "headers", "{}", [SessionSetting(key: "api_key", value: "abc")])
        #expect(keyed["headers"]?["X-Api-Key"]?.stringValue == "Key abc")
        let queried = try await Self.call(host, "queried", "get", "{}", [SessionSetting(key: "api_key", value: "k&1")])
        #expect(queried["args"]?["appid"]?.stringValue == "k&1")

        let missing = await hostError { () throws(ConnectorHostError) in
            try await Self.call(host, "basic", "check", "{}", [SessionSetting(key: "username", value: "alice")])
        }
        #expect(missing?.code == .invalidRequest)
        #expect(missing?.message.contains(#"the credential "password" (Password) is required"#) == true, "\(missing?.message ?? "")")
        await host.shutdown()
    }

    static let anything = """
          - name: send
            method: POST
            path: /anything/{item}
            parameters:
              - {name: item, location: path, type: string}
              - {name: q, location: query, type: string, required: true}
              - {name: limit, location: query, type: integer, default: 10}
              - {name: X-Trace, location: header, type: string}
              - {name: title, location: body, type: string}
              - {name: urgent, location: body, type: boolean}
              - {name: weight, location: body, type: number}
        """

    @Test(arguments: Runtime.allCases)
    func parametersGoWhereTheyAreDeclared(_ runtime: Runtime) async throws {
        let port = try LoopbackServer.httpbin().port
        let host = try await Self.host(
            ["echo.connector.yaml": Self.document(name: "echo", auth: "auth_type: none", operations: Self.anything, port: port)],
            runtime: runtime
        )
        let echoed = try await Self.call(host, "echo", "send", """
            {"item": "a b", "q": "x&y=z", "X-Trace": "t-1", "title": "Crash", "urgent": true, "weight": 2.5}
            """)
        #expect(echoed["method"]?.stringValue == "POST")
        #expect(echoed["url"]?.stringValue == "http://127.0.0.1:\(port)/anything/a%20b?q=x%26y%3Dz&limit=10",
                "the path parameter is encoded, the default applies")
        #expect(echoed["args"]?["q"]?.stringValue == "x&y=z")
        #expect(echoed["headers"]?["X-Trace"]?.stringValue == "t-1")
        #expect(echoed["json"] == .object(["title": "Crash", "urgent": true, "weight": 2.5]))

        for (parameters, expected) in [
            (#"{"item": "a"}"#, #"the parameter "q" of send is required"#),
            (#"{"item": "a", "q": "x", "limit": "ten"}"#, #"the parameter "limit" of send must be an integer, got a string"#),
            (#"{"item": "a", "q": "x", "colour": "red"}"#, #""colour" is not a parameter of send"#),
        ] {
            let error = await hostError { () throws(ConnectorHostError) in try await Self.call(host, "echo", "send", parameters) }
            #expect(error?.code == .invalidRequest)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
        await host.shutdown()
    }

    /// httpbin decodes the path it echoes, so the request itself is checked here.
    @Test func aPathParameterCannotLeaveItsSegment() throws {
        let document = try ConnectorDocument.read(
            Array(Self.document(name: "echo", auth: "auth_type: none", operations: Self.anything, port: 9).utf8), source: "echo"
        )
        let operation = try #require(document.operations.first)
        let exchange = DeclarativeExchange(document: document, operation: operation, session: DeclarativeSession(credentials: [:]))
        let request = try exchange.build(parameters: ["item": "../admin?x=1#y", "q": "1"], timeLeft: nil)
        #expect(request.url == "http://127.0.0.1:9/anything/..%2Fadmin%3Fx%3D1%23y?q=1&limit=10")
        #expect(request.body.map { String(decoding: $0, as: UTF8.self) } == "{}")
    }

    @Test func statusesMapToTheTaxonomy() async throws {
        let port = try LoopbackServer.httpbin().port
        let host = try await Self.host(["codes.connector.yaml": Self.document(name: "codes", auth: "auth_type: none", operations: """
              - name: status
                method: GET
                path: /status/{code}
                parameters: [{name: code, location: path, type: integer}]
              - name: create
                method: POST
                path: /status/{code}
                parameters: [{name: code, location: path, type: integer}]
            """, port: port)])
        func failure(_ operation: String, _ code: Int) async -> ConnectorHostError? {
            await hostError { () throws(ConnectorHostError) in try await Self.call(host, "codes", operation, #"{"code": \#(code)}"#) }
        }
        #expect(try await Self.call(host, "codes", "status", #"{"code": 204}"#) == .null, "2xx without a body is null")
        #expect(await failure("status", 404)?.code == .notFound)
        #expect(await failure("status", 403)?.code == .unauthorized)
        let teapot = await failure("status", 418)
        #expect(teapot?.code == .invalidRequest)
        #expect(teapot?.message.contains("answered 418") == true)
        let unavailable = await failure("status", 503)
        #expect(unavailable?.code == .pluginError)
        #expect(unavailable?.message.contains("gave up after 4 attempts") == true, "a GET is retried: \(unavailable?.message ?? "")")
        let created = await failure("create", 503)
        #expect(created?.code == .pluginError)
        #expect(created?.message.contains("not repeated: create is not idempotent") == true, "\(created?.message ?? "")")
        #expect(created?.message.contains("gave up") == false, "a POST is sent once")
        await host.shutdown()
    }

    @Test func retryAfterIsReadInSecondsAndAsAnHTTPDate() {
        #expect(DeclarativeExchange.retryAfter("120") == .seconds(120))
        #expect(DeclarativeExchange.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == .zero, "a date passed: now")
        let later = Date().addingTimeInterval(90)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let wait = DeclarativeExchange.retryAfter(formatter.string(from: later))
        #expect(wait.map { $0 > .seconds(80) && $0 <= .seconds(90) } == true, "\(String(describing: wait))")
        #expect(DeclarativeExchange.retryAfter("soon") == nil)
    }

    /// The attempt's time limit bounds the transfer: a slow end system is cut off.
    @Test func aSlowAnswerIsCutOffAtTheTimeLimit() async throws {
        let port = try LoopbackServer.httpbin().port
        let host = try await Self.host(["slow.connector.yaml": Self.document(name: "slow", auth: "auth_type: none", operations: """
              - name: wait
                method: GET
                path: /delay/{seconds}
                parameters: [{name: seconds, location: path, type: integer}]
            resilience: {timeout_seconds: 1, max_retries: 0}
            """, port: port)])
        let error = await hostError { () throws(ConnectorHostError) in try await Self.call(host, "slow", "wait", #"{"seconds": 5}"#) }
        // Whichever comes first: the sandbox cuts the call off, or curl the transfer.
        let cutOff = error?.code == .timeout || error?.message.contains("Operation timed out") == true
        #expect(cutOff, "\(String(describing: error))")
        await host.shutdown()
    }

    @Test func aDocumentThatBreaksTheRulesListsEveryProblem() throws {
        let text = """
            name: Bad
            base_url: ftp://example.com
            auth_type: magic
            colour: red
            operations:
              - name: a
                method: FETCH
                path: /x/{id}
                parameters:
                  - {name: q, location: cookie, type: integer, default: "three"}
              - name: a
                method: GET
                path: /y
                response_schema: {type: blob}
            """
        let error = #expect(throws: ConnectorHostError.self) {
            _ = try ConnectorDocument.read(Array(text.utf8), source: "bad.connector.yaml")
        }
        #expect(error?.code == .manifestInvalid)
        for expected in [
            "colour: is not a field of a connector document",
            #"base_url: must be an http or https URL with a host, got "ftp://example.com""#,
            #"auth_type: must be one of none, api_key, basic, bearer, oauth2, got "magic""#,
            #"operations[0].method: must be one of GET, POST, PUT, DELETE, PATCH, got "FETCH""#,
            #"operations[0].parameters[0].location: must be one of query, path, header, body, got "cookie""#,
            "operations[0].parameters[0].default: must be an integer, got a string",
            "operations[0].path: the placeholder {id} has no parameter with location path",
            #"operations[1].name: "a" is the name of an earlier operation"#,
            "operations[1].response_schema.type: must be one of",
        ] {
            #expect(error?.message.contains(expected) == true, "missing: \(expected)")
        }
    }

    @Test func aChangedDocumentIsReloadedWithItsNewOperations() async throws {
        let port = try LoopbackServer.httpbin().port
        let host = try await Self.host(["echo.connector.yaml": Self.document(name: "echo", auth: "auth_type: none", operations: """
              - {name: get, method: GET, path: /get}
            """, port: port)])
        let source = try #require(host.sourcePath(of: "echo"))
        try Data(Self.document(name: "echo", auth: "auth_type: none", operations: """
              - {name: get, method: GET, path: /get}
              - {name: uuid, method: GET, path: /uuid}
            """, port: port).replacingOccurrences(of: "version: 1.0.0", with: "version: 1.1.0").utf8).write(to: URL(fileURLWithPath: source))
        _ = try await host.reload(named: "echo")
        #expect(try host.connector(named: "echo").description.manifest.version == "1.1.0")
        #expect(try await Self.call(host, "echo", "uuid")["uuid"]?.stringValue?.count == 36)
        await host.shutdown()
    }

    @Test func theCLIValidatesAndTestsAsTheBuildersPanelDoes() async throws {
        let port = try LoopbackServer.httpbin().port
        let directory = try TestSupport.temporaryDirectory()
        let file = directory.appendingPathComponent("basic.connector.yaml")
        try Data(Self.document(name: "basic", auth: """
            auth_type: basic
            credential_schema:
              username: {label: User, required: true}
              password: {label: Password, type: password, required: true}
            """, operations: """
              - name: check
                method: GET
                path: /basic-auth/alice/s3cret
                response_schema:
                  type: object
                  required: [authenticated, user]
                  properties: {authenticated: {type: boolean}, user: {type: integer}}
            """, port: port).utf8).write(to: file)
        let valid = try await CLI.run(["http", "validate", file.path])
        #expect(valid.status == 0, "\(valid.standardError)")
        #expect(valid.standardOutput.contains("valid: basic 1.0.0, auth basic, 1 operation: check"))

        let tested = try await CLI.run([
            "http", "test", file.path, "check", "--credential", "username=alice", "--sensitive-credential", "password=s3cret", "--json",
        ])
        #expect(tested.status == 8, "the answer does not match the schema: user is a string")
        let panel = try TestSupport.object(Array(tested.standardOutput.utf8))
        #expect(panel["status"] as? Int == 200)
        let request = try #require(panel["request"] as? [String: Any])
        #expect((request["headers"] as? [String: String])?["Authorization"] == "Basic ********", "secrets are masked")
        #expect(!tested.standardOutput.contains("s3cret") || tested.standardOutput.contains("alice/s3cret"),
                "the password shows only where the document itself put it")
        #expect(panel["schemaMismatches"] as? [String] == ["/user: expected integer, got string"])

        let bad = directory.appendingPathComponent("bad.connector.yaml")
        try Data("name: Bad\nbase_url: nowhere\nauth_type: none\noperations: []\n".utf8).write(to: bad)
        let invalid = try await CLI.run(["http", "validate", bad.path])
        #expect(invalid.status == 7, "manifest_invalid")
        #expect(invalid.standardOutput.contains(#"  - base_url: must be an http or https URL with a host, got "nowhere""#))
        #expect(invalid.standardOutput.contains("  - operations: is empty: a connector needs at least one operation"))
    }
}
