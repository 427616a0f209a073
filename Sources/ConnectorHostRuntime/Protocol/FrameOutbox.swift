import Synchronization

/// Writes frames from many threads to one socket without making them wait on
/// each other's system calls: a writer appends its frame under a short lock;
/// if no one is writing, it becomes the flusher and sends everything queued,
/// in as few `send` calls as there are batches. Frames stay whole and in order.
///
/// The outbox also releases the socket (``release()``): a descriptor number is
/// reused by the next `socketpair`, so closing it while a late frame (a cancel,
/// a goodbye) is still on its way would send that frame to another worker.
package final class FrameOutbox: Sendable {
    private struct State {
        var queued: [UInt8] = []
        var flushing = false
        /// The peer is gone or the socket is released: frames are dropped.
        var stopped = false
        /// The socket is to be closed by whoever flushes last.
        var released = false
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
            guard !state.stopped else { return nil }
            state.queued.append(contentsOf: bytes)
            guard !state.flushing else { return false }
            state.flushing = true
            return true
        }
        guard let flushNow else { return false }
        guard flushNow else { return true }
        while true {
            let (batch, closeSocket) = state.withLock { state -> ([UInt8]?, Bool) in
                guard !state.queued.isEmpty, !state.stopped else {
                    state.flushing = false
                    return (nil, state.released)
                }
                defer { state.queued = [] }
                return (state.queued, false)
            }
            guard let batch else {
                if closeSocket { Descriptors.close(socket) }
                return !closeSocket
            }
            let sent = batch.withUnsafeBytes { Descriptors.sendAll(socket, $0) }
            if !sent {
                let closeSocket = state.withLock { state in
                    state.stopped = true
                    state.flushing = false
                    state.queued = []
                    return state.released
                }
                if closeSocket { Descriptors.close(socket) }
                return false
            }
        }
    }

    /// Stops sending and closes the socket: now, or when the frame being sent
    /// has gone. Call once, when nothing reads the socket any more.
    package func release() {
        let closeNow = state.withLock { state in
            state.stopped = true
            state.released = true
            state.queued = []
            return !state.flushing
        }
        if closeNow { Descriptors.close(socket) }
    }
}
