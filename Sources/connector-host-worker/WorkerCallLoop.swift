import ConnectorHostRuntime
import Foundation
import Synchronization

/// Reads the host's frames and runs its calls in the worker, leader/follower
/// style: one thread at a time reads the socket, and it runs each call it reads
/// itself, on the spot. A call thus starts on the thread that received it and
/// answers with no other thread woken on its path; calls that follow each
/// other quickly run one after another on that thread, with no hand-over
/// between threads in the way.
///
/// While a call runs, no one reads. So that a long call cannot hold up the
/// calls behind it, a watch thread looks every ``watchTick``: a call that has
/// held up the reading for a whole tick hands the reading to an idle thread (or
/// a new one, up to the plugin's limit). Calls overlap after at most two ticks.
/// The watch parks once nothing has run for ``watchQuietTicks`` ticks.
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

    /// How often the watch looks for a call that holds up the reading.
    static let watchTick: TimeInterval = 0.001
    /// Ticks without any call running after which the watch parks.
    static let watchQuietTicks = 100

    // Everything below is guarded by `condition`.
    private var reader: FrameReader
    private var leaderPresent = false
    private var idle = 0
    private var threads = 0
    private var running = 0
    private var queued: [(id: UInt64, request: Request)] = []
    private var contexts: [UInt64: PluginCallContext] = [:]
    private var finished = false
    /// Numbers the calls run by the thread that read them.
    private var callsRunInPlace: UInt64 = 0
    /// The call (by that number) that keeps everyone from reading, if any.
    private var holdingUpReading: UInt64?
    private let condition = NSCondition()
    /// Set by the watch while it holds `condition`, and read by a reader while
    /// it holds it too, so that a call started as the watch parks is never
    /// missed; cleared under `watchCondition`, to wake the watch.
    private let watchParked = Atomic<Bool>(false)

    // Guarded by `watchCondition`.
    private var watchRunning = false
    private var watchStopping = false
    private let watchCondition = NSCondition()

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
        watchCondition.lock()
        watchRunning = true
        watchCondition.unlock()
        let watch = Thread { [self] in watchCallsInPlace() }
        watch.name = "plugin-call-watch"
        watch.start()
        work()
        condition.lock()
        while threads > 0 { condition.wait() }
        condition.unlock()
        watchCondition.lock()
        watchStopping = true
        watchCondition.broadcast()
        while watchRunning { watchCondition.wait() }
        watchCondition.unlock()
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
            if leaderPresent || holdingUpReading != nil {
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
                callsRunInPlace &+= 1
                let number = callsRunInPlace
                holdingUpReading = number
                wakeWatch()
                execute(frame.callID, request)
                if holdingUpReading == number { holdingUpReading = nil }
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

    /// Lets another thread read while calls run: an idle one, or a new one
    /// while the plugin may still take more calls. Called with the lock held.
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

    // MARK: - The watch

    /// Wakes the watch if it parked. Called with `condition` held (the lock order
    /// is `condition`, then `watchCondition`); costs one atomic load while the
    /// watch is awake.
    private func wakeWatch() {
        guard watchParked.load(ordering: .relaxed) else { return }
        watchCondition.lock()
        watchParked.store(false, ordering: .relaxed)
        watchCondition.signal()
        watchCondition.unlock()
    }

    private func watchCallsInPlace() {
        var lastSeen: UInt64?
        var quietTicks = 0
        while true {
            condition.lock()
            if finished {
                condition.unlock()
                break
            }
            let holding = holdingUpReading
            if let holding, holding == lastSeen {
                // It has held up the reading since the last look: a whole tick.
                holdingUpReading = nil
                lastSeen = nil
                handOverReading()
            } else {
                lastSeen = holding
            }
            quietTicks = running > 0 ? 0 : quietTicks + 1
            let parking = quietTicks >= Self.watchQuietTicks
            if parking { watchParked.store(true, ordering: .relaxed) }
            condition.unlock()

            watchCondition.lock()
            if watchStopping {
                watchCondition.unlock()
                break
            }
            if parking {
                while watchParked.load(ordering: .relaxed), !watchStopping { watchCondition.wait() }
                quietTicks = 0
            } else {
                _ = watchCondition.wait(until: Date(timeIntervalSinceNow: Self.watchTick))
            }
            watchCondition.unlock()
        }
        watchCondition.lock()
        watchRunning = false
        watchCondition.broadcast()
        watchCondition.unlock()
    }
}
