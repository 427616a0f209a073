import Foundation
import Testing

/// The built `connector-host` binary, run as a user would.
@Suite(.timeLimit(.minutes(5))) struct CLITests {
    @Test func inspectJSONHasTheManifestAndNeverTheSecret() async throws {
        let result = try await CLI.run(["inspect", TestSupport.plugin("tracker"), "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try TestSupport.object(Array(result.standardOutput.utf8))
        #expect(object["name"] as? String == "tracker")
        #expect(object["version"] as? String == "1.0.0")
        #expect(object["key"] as? String == "tracker-9f3c2a71")
        #expect(object["abiVersion"] as? Int == 3)
        #expect(object["endpointEntityId"] as? Int == 200001)
        #expect(object["functionEntityStartId"] as? Int == 200002)
        #expect(object["functionEntityEndId"] as? Int == 200100)
        #expect(object["capabilities"] as? [String] == ["session", "metadata", "configuration", "entity", "substeps", "users", "comments", "attachments", "links", "history"])
        let functions = try #require(object["functions"] as? [[String: Any]])
        #expect(functions.first?["entityId"] as? Int == 200002)
        #expect(functions.first?["name"] as? String == "session.open")
        #expect(!result.standardOutput.contains("tracker-secret-5b8e04d6c1a9"))
        #expect(object["secret"] == nil)
    }

    @Test func inspectTextNeverShowsTheSecret() async throws {
        let result = try await CLI.run(["inspect", TestSupport.plugin("tracker")])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("tracker 1.0.0 (ABI version 3)"))
        #expect(result.standardOutput.contains("200013  entity.delete"))
        #expect(!result.standardOutput.contains("tracker-secret"))
    }

    @Test func inspectFailureIsOneLineWithTheCodesExitStatus() async throws {
        let path = TestSupport.fixture("missing-mandatory")
        let result = try await CLI.run(["inspect", path])
        #expect(result.status == 7)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError == """
            error: manifest_invalid: \(path): invalid manifest: missing mandatory operations: \
            session.close, metadata.get, server.info, entity.delete

            """)
    }

    @Test func listJSONReportsPluginsAndRejectedFiles() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "tracker.so": TestSupport.plugin("tracker"),
            "short.so": TestSupport.fixture("short-descriptor"),
            "notes.txt": TestSupport.fixture("not-a-plugin"),
        ])
        let result = try await CLI.run(["list", "--plugins", directory.path, "--json"])
        #expect(result.status == 1, "a rejected file fails the listing, after it is listed: \(result.standardError)")
        let object = try TestSupport.object(Array(result.standardOutput.utf8))
        let plugins = try #require(object["plugins"] as? [[String: Any]])
        #expect(plugins.map { $0["name"] as? String } == ["tracker"])
        #expect(plugins.first?["path"] as? String == directory.appendingPathComponent("tracker.so").path)
        let rejected = try #require(object["rejected"] as? [[String: Any]])
        #expect(rejected.count == 1)
        #expect(rejected.first?["path"] as? String == directory.appendingPathComponent("short.so").path)
        let error = try #require(rejected.first?["error"] as? [String: Any])
        #expect(error["code"] as? String == "abi_mismatch")
        #expect((error["message"] as? String)?.contains("struct_size is 16 bytes") == true)
    }

    @Test func listOfAnUnchangedDirectoryRunsNoWorkerTheSecondTime() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "alpha.so": TestSupport.fixture("alpha"), "short.so": TestSupport.fixture("short-descriptor"),
        ])
        let cache = directory.appendingPathComponent("cache/scan-cache.json")
        // Each scanning worker's end is a debug line: the scan report of the run.
        let arguments = ["list", "--plugins", directory.path, "--json", "--log-level", "debug"]
        let environment = ["CONNECTOR_HOST_SCAN_CACHE": cache.path]
        let first = try await CLI.run(arguments, environment: environment)
        #expect(first.standardError.contains("sandbox worker ended"), "the first run scans: \(first.standardError)")
        let mode = try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the cache says what the user's plugin files hold: its owner's only")
        let kept = try Data(contentsOf: cache)
        #expect(kept.range(of: Data("fixture-secret".utf8)) == nil, "secrets are kept as digests only")
        #expect(kept.range(of: Data("hmacSHA256".utf8)) != nil)

        let second = try await CLI.run(arguments, environment: environment)
        #expect(!second.standardError.contains("sandbox worker"), "no worker ran: \(second.standardError)")
        #expect(second.status == first.status)
        #expect(second.standardOutput == first.standardOutput, "the same listing, rejected file included")

        // A call serves the cache's description: the worker it starts is
        // accepted because the file's own secret matches the kept digest.
        let called = try await CLI.run(
            ["call", "--plugins", directory.path, "alpha", "metadata.get", "--log-level", "debug"], environment: environment
        )
        #expect(called.status == 0, "\(called.standardError)")
        #expect(!called.standardError.contains("scanning a plugin file"), "\(called.standardError)")

        // A changed file is scanned again; the others still come from the cache.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("short.so"))
        try FileManager.default.copyItem(
            atPath: TestSupport.fixture("beta"), toPath: directory.appendingPathComponent("short.so").path
        )
        let changed = try await CLI.run(arguments, environment: environment)
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(changed.standardError.components(separatedBy: "sandbox worker ended").count == 2, "one file scanned")
        let names = try #require(try TestSupport.object(Array(changed.standardOutput.utf8))["plugins"] as? [[String: Any]])
        #expect(names.map { $0["name"] as? String } == ["alpha", "beta"])

        let uncached = try await CLI.run(arguments + ["--no-scan-cache"], environment: environment)
        #expect(uncached.standardError.components(separatedBy: "sandbox worker ended").count == 3, "both files scanned")
    }

    @Test func aCorruptOrForeignScanCacheIsIgnored() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: ["alpha.so": TestSupport.fixture("alpha")])
        let cache = directory.appendingPathComponent("scan-cache.json")
        let arguments = ["list", "--plugins", directory.path, "--json", "--log-level", "debug"]
        for contents in ["{not json", #"{"format":"something else","entries":[]}"#, ""] {
            try Data(contents.utf8).write(to: cache)
            let result = try await CLI.run(arguments, environment: ["CONNECTOR_HOST_SCAN_CACHE": cache.path])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.contains("sandbox worker ended"), "scanned, not read from \(contents)")
        }
        // Written over by a good one, which the next run trusts.
        let again = try await CLI.run(arguments, environment: ["CONNECTOR_HOST_SCAN_CACHE": cache.path])
        #expect(!again.standardError.contains("sandbox worker"), "\(again.standardError)")
        // One that others may write is never read.
        chmod(cache.path, 0o666)
        let shared = try await CLI.run(arguments, environment: ["CONNECTOR_HOST_SCAN_CACHE": cache.path])
        #expect(shared.standardError.contains("sandbox worker ended"), "\(shared.standardError)")
    }

    @Test func healthColdShowsEveryPluginIdleWithoutAWorker() async throws {
        let result = try await CLI.run(["health", "--plugins", TestSupport.pluginDirectory, "--json", "--cold", "--observe", "0"])
        #expect(result.status == 0, "idle is no failure: \(result.standardError)")
        let plugins = try #require(try TestSupport.object(Array(result.standardOutput.utf8))["plugins"] as? [[String: Any]])
        #expect(plugins.count == 3)
        for plugin in plugins {
            #expect(plugin["health"] as? String == "idle")
            #expect(plugin["pid"] == nil)
        }
    }

    @Test func callOpensASessionCallsAndPrintsTheResponse() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory.appendingPathComponent("cli.sqlite").path
        let create = try await CLI.run([
            "call", "--plugins", TestSupport.pluginDirectory, "tracker", "entity.create",
            "--setting", "database=\(database)", "--data-directory", directory.path,
            "--request", #"{"entityTypeId":"bug","fields":{"title":"From the CLI"}}"#,
        ])
        #expect(create.status == 0, "\(create.standardError)")
        let created = try TestSupport.object(Array(create.standardOutput.utf8))
        let id = try #require(created["id"] as? String)

        // A second process finds it: the tracker's storage outlives the process.
        let requestFile = directory.appendingPathComponent("get.json")
        try Data(#"{"entityId":"\#(id)"}"#.utf8).write(to: requestFile)
        let get = try await CLI.run([
            "call", "--plugins", TestSupport.pluginDirectory, "tracker", "entity.get",
            "--setting", "database=\(database)", "--data-directory", directory.path, "--request", "@\(requestFile.path)",
        ])
        #expect(get.status == 0, "\(get.standardError)")
        let fetched = try TestSupport.object(Array(get.standardOutput.utf8))
        #expect((fetched["fields"] as? [String: Any])?["title"] as? String == "From the CLI")
    }

    @Test func callFailuresMapToTheTaxonomy() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = "database=\(directory.appendingPathComponent("x.sqlite").path)"
        let plugins = TestSupport.pluginDirectory

        let missing = try await CLI.run(["call", "--plugins", plugins, "tracker", "entity.get", "--setting", database, "--data-directory", directory.path,
                                   "--request", #"{"entityId":"999"}"#])
        #expect(missing.status == 3)
        #expect(missing.standardError.hasPrefix("error: not_found: tracker entity.get: not found: no entity 999"))

        let invalid = try await CLI.run(["call", "--plugins", plugins, "tracker", "entity.create", "--setting", database, "--data-directory", directory.path,
                                   "--request", #"{"entityTypeId":"bug","fields":{}}"#])
        #expect(invalid.status == 2)
        #expect(invalid.standardError.contains("field 'title' is required to create a bug"))

        let notJSON = try await CLI.run(["call", "--plugins", plugins, "tracker", "server.info", "--request", "{oops"])
        #expect(notJSON.status == 2)
        #expect(notJSON.standardError.contains("is not valid JSON"))

        let mandatoryOnly = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: mandatoryOnly, withIntermediateDirectories: true)
        try TestSupport.populate(mandatoryOnly, with: ["alpha.so": TestSupport.fixture("alpha")])
        let unimplemented = try await CLI.run(["call", "--plugins", mandatoryOnly.path, "alpha", "comment.add"])
        #expect(unimplemented.status == 3)
        #expect(unimplemented.standardError == "error: not_found: alpha does not implement comment.add\n")

        let unknownConnector = try await CLI.run(["call", "--plugins", plugins, "jira", "server.info"])
        #expect(unknownConnector.status == 3)
        #expect(unknownConnector.standardError.contains("no connector named 'jira'"))
        #expect(unknownConnector.standardError.contains("loaded: hello-swift, host-api, tracker"))

        let unknownOperation = try await CLI.run(["call", "--plugins", plugins, "tracker", "entity.fetch"])
        #expect(unknownOperation.status == 3, "not_found, as the exit table says")
        #expect(unknownOperation.standardError.hasPrefix("error: not_found: 'entity.fetch' is not a standard operation"))

        let droppedSettings = try await CLI.run([
            "call", "--plugins", plugins, "tracker", "--function", "checksum", "--args", #"["x"]"#, "--setting", "a=b",
        ])
        #expect(droppedSettings.status == 2, "settings a custom function cannot take are refused, not dropped")
        #expect(droppedSettings.standardError.contains("is a plain C function without a context: it runs in no session and cannot receive settings"))
    }

    @Test func metadataIsCalledWithoutASession() async throws {
        let result = try await CLI.run(["call", "--plugins", TestSupport.pluginDirectory, "hello-swift", "metadata.get"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try TestSupport.object(Array(result.standardOutput.utf8))["fields"] != nil)
    }

    @Test func healthShowsEachPluginsRuntimeAndState() async throws {
        let result = try await CLI.run(["health", "--plugins", TestSupport.pluginDirectory, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let plugins = try #require(try TestSupport.object(Array(result.standardOutput.utf8))["plugins"] as? [[String: Any]])
        #expect(plugins.map { $0["name"] as? String } == ["hello-swift", "host-api", "tracker"])
        for plugin in plugins {
            #expect(plugin["runtime"] as? String == "sandbox")
            #expect(plugin["health"] as? String == "healthy")
            #expect(plugin["breaker"] as? String == "closed")
            #expect(plugin["pid"] as? Int != nil)
            #expect(plugin["isolation"] as? String == "full", "bubblewrap and seccomp confine every worker here")
        }
    }

    @Test func healthCatchesACrashLoopAndFailsOnIt() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try TestSupport.populate(directory, with: [
            "looping.so": TestSupport.fixture("hostile-late-crash"), "tracker.so": TestSupport.plugin("tracker"),
        ])
        let result = try await CLI.run(["health", "--plugins", directory.path, "--json", "--observe", "8"])
        #expect(result.status == 1, "\(result.standardError)")
        let plugins = try #require(try TestSupport.object(Array(result.standardOutput.utf8))["plugins"] as? [[String: Any]])
        let looping = try #require(plugins.first { $0["name"] as? String == "hostile-late-crash" })
        #expect(looping["health"] as? String == "quarantined", "\(looping)")
        #expect(looping["restarts"] as? Int ?? 0 >= 4)
        #expect(plugins.first { $0["name"] as? String == "tracker" }?["health"] as? String == "healthy")

        let inspected = try await CLI.run(["inspect", "tracker.so"], in: directory)
        #expect(inspected.status == 0, "a bare file name is a file: \(inspected.standardError)")
    }

    @Test func callInProcessGivesTheSameAnswer() async throws {
        let database = try TestSupport.temporaryDirectory().appendingPathComponent("t.sqlite").path
        let arguments = ["call", "--plugins", TestSupport.pluginDirectory, "tracker", "server.info", "--setting", "database=\(database)",
                         "--data-directory", (database as NSString).deletingLastPathComponent]
        let sandboxed = try await CLI.run(arguments)
        let inProcess = try await CLI.run(arguments + ["--in-process"])
        #expect(sandboxed.status == 0 && inProcess.status == 0)
        #expect(sandboxed.standardOutput == inProcess.standardOutput)
    }

    @Test func callAFunctionByNameOrEntityID() async throws {
        let byName = try await CLI.run(["call", "--plugins", TestSupport.pluginDirectory, "tracker", "--function", "checksum",
                                  "--args", #"["hello"]"#])
        #expect(byName.status == 0, "\(byName.standardError)")
        #expect(byName.standardOutput == "907060870\n")
        let byID = try await CLI.run(["call", "--plugins", TestSupport.pluginDirectory, "tracker", "--function", "200060",
                                "--args", #"["Hello World"]"#])
        #expect(byID.standardOutput == "\"hello-world\"\n")
        let wrong = try await CLI.run(["call", "--plugins", TestSupport.pluginDirectory, "tracker", "--function", "sla_minutes",
                                 "--args", "[256]"])
        #expect(wrong.status == 2)
        #expect(wrong.standardError == "error: invalid_request: argument 1 of tracker sla_minutes: expected uint8 (0...255), got 256\n")
    }

    @Test func everyCommandHasHelp() async throws {
        for command in [[], ["inspect"], ["list"], ["call"], ["health"]] {
            let result = try await CLI.run(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.standardOutput.contains("USAGE: connector-host"))
        }
    }
}
