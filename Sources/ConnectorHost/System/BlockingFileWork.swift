import Dispatch

/// Reading, hashing and copying a plugin's build block the thread that does
/// them for as long as the disk takes: they run on a dispatch queue of their
/// own, never on Swift's cooperative threads, so that an embedding server's
/// other tasks keep running meanwhile.
package enum BlockingFileWork {
    private static let queue = DispatchQueue(label: "connector-host-file-work", attributes: .concurrent)

    /// Runs `work` on the file-work queue and returns what it returns.
    ///
    /// - Throws: What `work` throws.
    package static func run<Value: Sendable>(
        _ work: @escaping @Sendable () throws(ConnectorHostError) -> Value
    ) async throws(ConnectorHostError) -> Value {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, ConnectorHostError>, Never>) in
            queue.async {
                do throws(ConnectorHostError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try outcome.get()
    }
}
