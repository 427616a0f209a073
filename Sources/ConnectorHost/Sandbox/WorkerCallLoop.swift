import Foundation

/// Reads the host's frames and runs its calls in the worker, leader/follower
/// style: one thread at a time reads the socket; when it reads a call, it hands
/// the reading over to an idle thread and runs the call itself. A call thus
/// starts on the thread that received it, with no wake-up of another thread on
/// its path, and calls still overlap up to the plugin's own limit.
final class WorkerCallLoop: @unchecked Sendable {
    /// What the host asked for in one call frame.
    enum Request: Sendable {
        case standard(SandboxProtocol.Call)
        case custom(SandboxProtocol.CustomCall)

        var timeLimit: UInt64 {
            switch self {
            case .standard(let call): call.timeLimit
            case .custom(let call): call.timeLimit
            }
        }
    }

    typealias Serve = @Sendable (UInt64, Request, PluginCallContext) -> Void

    // Everything below is guarded by `condition`.
    private var reader: FrameReader
    private var leaderPresent = false
    private var idle = 0
    private var threads = 0
    private var running = 0
    private var queued: [(id: UInt64, request: Request)] = []
    private var contexts: [UInt64: PluginCallContext] = [:]
    private var finished = false
    private let condition = NSCondition()
    private let slots: Int
    private let serve: Serve
    private let reject: @Sendable (UInt64, ConnectorHostError) -> Void

    /// - Parameters:
    ///   - reader: Frames from the host, past the handshake.
    ///   - slots: Calls that may run at once (the plugin's limit).
    ///   - serve: Runs one call and sends its answer.
    ///   - reject: Answers a call frame that cannot be decoded.
    init(reader: FrameReader, slots: Int, serve: @escaping Serve, reject: @escaping @Sendable (UInt64, ConnectorHostError) -> Void) {
        self.reader = reader
        self.slots = max(1, slots)
        self.serve = serve
        self.reject = reject
    }

    /// Serves until the host says goodbye or goes away; returns once every call
    /// received has been answered and every thread has ended.
    func run() {
        condition.lock()
        threads += 1
        condition.unlock()
        work()
        condition.lock()
        while threads > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            if let next = queued.first, running < slots {
                queued.removeFirst()
                execute(next.id, next.request)
                continue
            }
            if finished {
                threads -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            if leaderPresent {
                idle += 1
                condition.wait()
                idle -= 1
                continue
            }
            leaderPresent = true
            condition.unlock()
            let frame = reader.next()
            condition.lock()
            leaderPresent = false
            guard let frame else {
                // The host is gone or broke the protocol.
                finished = true
                condition.broadcast()
                continue
            }
            switch frame.kind {
            case .call, .customCall:
                let request: Request
                do {
                    request = frame.kind == .call
                        ? .standard(try SandboxProtocol.Call(decoding: frame.payload))
                        : .custom(try SandboxProtocol.CustomCall(decoding: frame.payload))
                } catch {
                    reject(frame.callID, ConnectorHostError(.invalidRequest, "a malformed call frame: \(error)"))
                    continue
                }
                guard running < slots else {
                    queued.append((frame.callID, request))
                    continue
                }
                handOverReading()
                execute(frame.callID, request)
            case .cancel:
                contexts[frame.callID]?.cancel()
            case .shutdown:
                finished = true
                condition.broadcast()
            default:
                continue
            }
        }
    }

    /// Lets another thread read while this one runs a call: an idle one, or a
    /// new one while the plugin may still take more calls.
    private func handOverReading() {
        if idle > 0 {
            condition.signal()
        } else if threads < slots + 1 {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.name = "plugin-call"
            thread.start()
        }
    }

    /// Runs a call with the lock released; called and returns with it held.
    private func execute(_ id: UInt64, _ request: Request) {
        let context = PluginCallContext(timeLimit: request.timeLimit == 0 ? nil : .nanoseconds(request.timeLimit))
        contexts[id] = context
        running += 1
        condition.unlock()
        serve(id, request, context)
        condition.lock()
        running -= 1
        contexts[id] = nil
    }
}
