import ArgumentParser
import ConnectorHost
import Foundation

/// Runs a command's body; a ``ConnectorHostError`` becomes one line on stderr,
/// `error: CODE: MESSAGE`, with the remedy in words, and the code's exit status.
@discardableResult
func reportingFailure<Value>(_ body: () async throws(ConnectorHostError) -> Value) async throws -> Value {
    do {
        return try await body()
    } catch {
        // The same whole seconds a REST client reads in Retry-After.
        let retry = error.retryAfter.map { " (retry after \($0.retryAfterSeconds) s)" } ?? ""
        printToStandardError("error: \(error)\(retry)")
        throw ExitCode(error.code.exitCode)
    }
}

func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
