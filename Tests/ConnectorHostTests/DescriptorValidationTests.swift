import ConnectorHost
import Testing

/// Every rejection reason of the loader, each against a fixture plugin with
/// exactly that defect (built by `make fixtures`).
@Suite(.timeLimit(.minutes(5))) struct DescriptorValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let fixture: String
        let code: ConnectorHostError.Code
        let message: String
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "not-a-plugin", code: .abiMismatch, message: "not a loadable shared object: invalid ELF header"),
        Case(fixture: "no-entry-point", code: .abiMismatch,
             message: "no entry point: the file does not export 'connector_host_plugin'"),
        Case(fixture: "null-descriptor", code: .abiMismatch, message: "the entry point returned NULL"),
        Case(fixture: "wrong-magic", code: .abiMismatch, message: "wrong magic: found 0xDEADBEEF, expected 0x4348504C"),
        Case(fixture: "future-abi", code: .abiMismatch,
             message: "abi_version 99 is not served by this host, which serves ABI versions 1 to 3"),
        Case(fixture: "short-descriptor", code: .abiMismatch,
             message: "struct_size is 16 bytes, but an ABI version 3 descriptor has at least"),
        Case(fixture: "short-function-size", code: .abiMismatch,
             message: "function_size is 48 bytes, but an ABI version 3 function entry has at least 52; set function_size = sizeof(ch_function)"),
        Case(fixture: "empty-name", code: .manifestInvalid, message: "invalid manifest: name is empty"),
        Case(fixture: "empty-version", code: .manifestInvalid, message: "invalid manifest: version is empty"),
        Case(fixture: "empty-key", code: .manifestInvalid, message: "invalid manifest: key is empty"),
        Case(fixture: "empty-secret", code: .manifestInvalid, message: "invalid manifest: secret is empty"),
        Case(fixture: "function-out-of-range", code: .manifestInvalid,
             message: "function 'user.search' (entity ID 900105) lies outside the function entity ID range 900002...900100"),
        Case(fixture: "endpoint-in-range", code: .manifestInvalid,
             message: "endpoint_entity_id 900052 lies inside the function entity ID range 900002...900100"),
        Case(fixture: "duplicate-id", code: .manifestInvalid,
             message: "function 'user.search' (entity ID 900002) has the same entity ID as function 'session.open'"),
        Case(fixture: "duplicate-name", code: .manifestInvalid, message: "function name 'entity.get' appears more than once"),
        Case(fixture: "unknown-operation", code: .manifestInvalid,
             message: "function 'entity.fetch' (entity ID 900022) is not a standard operation"),
        Case(fixture: "missing-mandatory", code: .manifestInvalid,
             message: "missing mandatory operations: session.close, metadata.get, server.info, entity.delete"),
        Case(fixture: "custom-unknown-type", code: .manifestInvalid,
             message: "function 'strange' (entity ID 900032) parameter 1 has an unknown type 99"),
        Case(fixture: "custom-too-many", code: .manifestInvalid,
             message: "function 'wide' (entity ID 900032) declares 17 parameters; at most 16 are allowed"),
        Case(fixture: "custom-named-standard", code: .manifestInvalid,
             message: "custom function 'user.search' (entity ID 900032) is named like the standard operation 'user.search'"),
        Case(fixture: "custom-buffer-parameter", code: .manifestInvalid,
             message: "function 'takes_buffer' (entity ID 900032) parameter 1 has type buffer, which is allowed only as a return type"),
        Case(fixture: "context-old-abi", code: .manifestInvalid,
             message: "function 'fail_with' (entity ID 900032) takes CH_TYPE_CONTEXT, which needs abi_version 3 or later (the descriptor says 2)"),
        Case(fixture: "context-not-first", code: .manifestInvalid,
             message: "function 'fail_with' (entity ID 900032) parameter 2 has type context, which is allowed only as the first parameter"),
        Case(fixture: "history-recovery-without-history", code: .manifestInvalid,
             message: "CH_PLUGIN_HISTORY_RECOVERY is set (an entity type recovers from history), but history.list is missing"),
    ]

    @Test(arguments: cases)
    func rejects(_ testCase: Case) async throws {
        let path = TestSupport.fixture(testCase.fixture)
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await ConnectorHost.inspect(pluginAt: path, logger: TestSupport.quietLogger)
        }
        #expect(error?.code == testCase.code)
        #expect(error?.message.hasPrefix(path + ": ") == true, "the message names the file")
        #expect(error?.message.contains(testCase.message) == true, "\(error?.message ?? "no error")")
    }

    @Test func missingFileIsNotFound() async throws {
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await ConnectorHost.inspect(pluginAt: "/nonexistent/x.so", logger: TestSupport.quietLogger)
        }
        #expect(error?.code == .notFound)
        #expect(error?.message == "/nonexistent/x.so: cannot read the file: No such file or directory")
    }

    @Test func directoryIsNotASharedObject() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let error = await #expect(throws: ConnectorHostError.self) {
            _ = try await ConnectorHost.inspect(pluginAt: directory.path, logger: TestSupport.quietLogger)
        }
        #expect(error?.code == .abiMismatch)
        #expect(error?.message.contains("not a shared object: not a regular file") == true)
    }

    @Test func validFixtureLoadsWithItsManifest() async throws {
        let description = try await ConnectorHost.inspect(pluginAt: TestSupport.fixture("alpha"), logger: TestSupport.quietLogger)
        let manifest = description.manifest
        #expect(manifest.name == "alpha")
        #expect(manifest.version == "1.0.0")
        #expect(manifest.key == "fixture-key")
        #expect(manifest.secret.revealed == "fixture-secret")
        #expect("\(manifest.secret)" == "********")
        #expect(manifest.endpointEntityId == 500001)
        #expect(manifest.functionEntityIds == 500002...500100)
        #expect(description.abiVersion == 3)
        #expect(description.isThreadSafe)
        #expect(description.maxConcurrency == nil)
        #expect(description.functions.count == 11)
    }
}
