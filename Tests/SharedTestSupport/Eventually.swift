/// Waits until `condition` holds, checking it every few milliseconds of real
/// time, for at most `limit`. For what tests cannot be told about (a worker
/// restarted, a process gone): the wait sleeps between checks, so it holds
/// no cooperative thread (one of two on two cores) while the host works.
///
/// - Returns: Whether the condition held within the limit.
public func eventually(
    within limit: Duration = .seconds(60), every interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let giveUp = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < giveUp else { return false }
        try? await Task.sleep(for: interval)
    }
}
