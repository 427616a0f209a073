import Synchronization

/// Set once the host begins to shut down: from then on no call and no retry
/// starts, and what a plugin asks through `is_cancelled` in this process
/// answers yes. Shared by every plugin of one host; reading it is one atomic load.
package final class ShutdownSignal: Sendable {
    private let raised = Atomic<Bool>(false)

    package init() {}

    package var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Raises the signal; true for the caller that raised it first.
    @discardableResult
    package func raise() -> Bool {
        !raised.exchange(true, ordering: .relaxed)
    }

    /// Why a call is refused once the signal is up.
    package static let refusal = ConnectorHostError(.unavailable, "the host is shutting down; no new call or retry starts")
}
