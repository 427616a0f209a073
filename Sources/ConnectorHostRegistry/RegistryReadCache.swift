import ConnectorHost
import Synchronization

/// Answers of the registry reads on every request's path (who a token is, a
/// connector's catalogue entries), kept until the registry's next write.
///
/// Every committed write moves the database's generation on: this host's
/// writes, and in a fleet every write another host announces. An answer is
/// kept with the generation it was read at, and one read before a later write
/// is never answered again: a token revoked, or a connector retired, is
/// refused from the next request on.
///
/// The one exception: while the database cannot be reached (a fleet's
/// PostgreSQL restarting), the last answer read stands in, so that the host
/// keeps serving what it knew instead of refusing every call.
final class RegistryReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Kept {
        var generation: UInt64
        var value: Value
    }

    private let storage = Mutex<[Key: Kept]>([:])
    /// The most answers kept: one more empties the cache (callers presenting
    /// ever new keys cannot grow it without bound).
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The answer for `key`: the one kept when it was read at `generation`
    /// (taken before reading), else what `load` reads, kept unless nil. When
    /// `load` finds the database `unavailable`, the last answer kept, if any.
    func answer(
        for key: Key, generation: UInt64, load: () async throws(ConnectorHostError) -> Value?
    ) async throws(ConnectorHostError) -> Value? {
        if let kept = storage.withLock({ $0[key] }), kept.generation == generation { return kept.value }
        let value: Value?
        do {
            value = try await load()
        } catch where error.code == .unavailable {
            guard let stale = storage.withLock({ $0[key] }) else { throw error }
            return stale.value
        }
        guard let value else { return nil }
        storage.withLock { storage in
            // A read that raced a newer one keeps the newer.
            if let kept = storage[key], kept.generation > generation { return }
            if storage.count >= capacity { storage.removeAll(keepingCapacity: true) }
            storage[key] = Kept(generation: generation, value: value)
        }
        return value
    }
}
