import ConnectorHost
import Foundation

/// Runs blocking work (decompressing, writing files) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core; work that waits on the
/// disk there stalls every request of the server. A thread per call is cheap
/// next to what such work costs, and needs no pool to size or shut down.
enum BlockingWork {
    /// - Returns: What `work` returned.
    /// - Throws: What `work` threw.
    static func run<Value: Sendable>(
        _ work: @escaping @Sendable () throws(ConnectorHostError) -> Value
    ) async throws(ConnectorHostError) -> Value {
        let result: Result<Value, ConnectorHostError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(ConnectorHostError) -> Value in try work() })
            }
            thread.name = "connector-host-blocking"
            thread.start()
        }
        return try result.get()
    }
}
