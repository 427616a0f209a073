import Synchronization

/// Writes frames from many threads to one socket without making them wait on
/// each other's system calls: a writer appends its frame under a short lock;
/// if no one is writing, it becomes the flusher and sends everything queued,
/// in as few `send` calls as there are batches. Frames stay whole and in order.
package final class FrameOutbox: Sendable {
    private struct State {
        var queued: [UInt8] = []
        var flushing = false
        var closed = false
    }

    private let socket: Int32
    private let state = Mutex(State())

    package init(socket: Int32) { self.socket = socket }

    /// Queues a frame and, unless another thread is already flushing, sends it.
    ///
    /// - Returns: false once the peer is gone.
    @discardableResult
    package func send(_ frame: Frame) -> Bool {
        let bytes = frame.encoded
        let flushNow = state.withLock { state -> Bool? in
            guard !state.closed else { return nil }
            state.queued.append(contentsOf: bytes)
            guard !state.flushing else { return false }
            state.flushing = true
            return true
        }
        guard let flushNow else { return false }
        guard flushNow else { return true }
        while true {
            let batch = state.withLock { state -> [UInt8]? in
                guard !state.queued.isEmpty, !state.closed else {
                    state.flushing = false
                    return nil
                }
                defer { state.queued = [] }
                return state.queued
            }
            guard let batch else { return true }
            let sent = batch.withUnsafeBytes { Descriptors.sendAll(socket, $0) }
            if !sent {
                state.withLock {
                    $0.closed = true
                    $0.flushing = false
                    $0.queued = []
                }
                return false
            }
        }
    }
}
