import Synchronization

/// Answers of the registry reads on every request's path (who a token is, a
/// connector's catalogue entries), kept until the registry's next write.
///
/// Every committed write moves the database's generation on. An answer is
/// kept with the generation it was read at, and one read before a later write
/// is never answered again: a token revoked, or a connector retired, is
/// refused from the next request on. The generation counts the writes of this
/// process, which is the registry file's only writer (`serve`).
final class RegistryReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Storage {
        var generation: UInt64 = 0
        var values: [Key: Value] = [:]
    }

    private let storage = Mutex(Storage())
    /// The most answers kept: one more empties the cache (callers presenting
    /// ever new keys cannot grow it without bound).
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The answer read for `key` at `generation`, if that is the current one.
    func value(for key: Key, generation: UInt64) -> Value? {
        storage.withLock { $0.generation == generation ? $0.values[key] : nil }
    }

    /// Keeps an answer read at `generation` (taken before the read); one read
    /// before a newer generation is dropped.
    func store(_ value: Value, for key: Key, generation: UInt64) {
        storage.withLock { storage in
            if storage.generation < generation { storage = Storage(generation: generation) }
            guard storage.generation == generation else { return }
            if storage.values.count >= capacity { storage.values.removeAll(keepingCapacity: true) }
            storage.values[key] = value
        }
    }
}
