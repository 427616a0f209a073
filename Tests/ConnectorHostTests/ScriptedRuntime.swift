@testable import ConnectorHost
@testable import ConnectorHostRuntime
import CoreMetrics
import Logging
import Synchronization

/// A runtime whose answers a test scripts, for the resilience rules: no
/// process, no plugin, exact control.
final class ScriptedRuntime: PluginRuntime {
    enum Step: Sendable {
        case reply(PluginReply.Status)
        /// Succeeds with this JSON body.
        case body(String)
        case fail(ConnectorHostError.Code)
        /// Never answers: an interruptible runtime fails it at its time limit
        /// (on the test's clock); otherwise it ends only when cancelled.
        case hang
    }

    let description: PluginDescription
    let isInterruptible: Bool
    private let clock: ManualClock
    private let steps: Mutex<[Step]>
    private let count = Atomic<Int>(0)
    private let requests = Mutex<[(StandardOperation, String)]>([])

    /// Every standard call so far: the operation and its request.
    var recorded: [(StandardOperation, String)] { requests.withLock { $0 } }

    /// - Parameters:
    ///   - steps: One per call, in order; the last repeats.
    ///   - interruptible: Whether the guard may cut calls off.
    init(_ steps: [Step], interruptible: Bool = true, clock: ManualClock) {
        self.steps = Mutex(steps)
        self.clock = clock
        isInterruptible = interruptible
        description = ScriptedRuntime.description(named: "scripted")
    }

    /// How many calls reached the runtime.
    var invocations: Int { count.load(ordering: .relaxed) }

    func quarantine(because reason: String) {}
    func cancelRunningCalls() {}
    func failRunningCalls(with error: ConnectorHostError) {}

    /// Replaces what later calls do.
    func script(_ steps: [Step]) { self.steps.withLock { $0 = steps } }

    nonisolated(nonsending) func invoke(
        _ operation: StandardOperation, session: SessionID?, body: [UInt8], timeLimit: Duration?
    ) async throws(ConnectorHostError) -> PluginReply {
        count.add(1, ordering: .relaxed)
        requests.withLock { $0.append((operation, String(decoding: body, as: UTF8.self))) }
        let step = steps.withLock { steps -> Step in
            guard steps.count > 1 else { return steps.first ?? .reply(.ok) }
            return steps.removeFirst()
        }
        switch step {
        case .reply(let status):
            return PluginReply(status: status, body: Array("{}".utf8), message: status == .ok ? nil : "scripted")
        case .body(let text):
            return PluginReply(status: .ok, body: Array(text.utf8))
        case .fail(let code):
            throw ConnectorHostError(code, "scripted \(code)")
        case .hang:
            guard isInterruptible, let timeLimit else {
                await Self.waitUntilCancelled()
                throw ConnectorHostError(.timeout, "cancelled")
            }
            try? await clock.sleep(for: timeLimit)
            throw ConnectorHostError(
                .timeout, "scripted \(operation.rawValue) did not answer within \(timeLimit.secondsText)"
            )
        }
    }

    nonisolated(nonsending) func invokeCustom(
        _ request: CustomFunctionRequest, timeLimit: Duration?
    ) async throws(ConnectorHostError) -> CustomReply {
        count.add(1, ordering: .relaxed)
        // The same script as standard calls: a failure step fails the function
        // too, a reply step is the status its context carries.
        let step = steps.withLock { steps -> Step in
            guard steps.count > 1 else { return steps.first ?? .reply(.ok) }
            return steps.removeFirst()
        }
        switch step {
        case .fail(let code): throw ConnectorHostError(code, "scripted \(code)")
        case .reply(let status):
            return CustomReply(value: .null, outcome: PluginReply(status: status, body: [], message: status == .ok ? nil : "scripted"))
        default: return CustomReply(value: .null)
        }
    }

    var report: RuntimeReport { RuntimeReport(kind: "in-process", phase: .running(pid: nil)) }

    func restart() async throws(ConnectorHostError) {}

    func shutdown() async {}

    private static func waitUntilCancelled() async {
        let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = waiter.withLock { slot -> Bool in
                    if Task.isCancelled { return true }
                    slot = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            waiter.withLock { slot in
                slot?.resume()
                slot = nil
            }
        }
    }

    static func description(named name: String) -> PluginDescription {
        PluginDescription(
            manifest: PluginManifest(
                name: name, version: "1", key: "k", secret: PluginSecret("s"), endpointEntityId: 1,
                functionEntityIds: 2...100
            ),
            abiVersion: 1, isThreadSafe: true, maxConcurrency: nil,
            functions: [
                PluginFunction(entityId: 2, name: "server.info"),
                PluginFunction(entityId: 4, name: "session.open"),
                PluginFunction(entityId: 5, name: "session.close"),
                PluginFunction(entityId: 6, name: "entity.get"),
                PluginFunction(entityId: 7, name: "entity.list"),
                PluginFunction(entityId: 3, name: "scale", signature: FunctionSignature(
                    returnType: .double, parameterTypes: [.int8, .double, .string]
                )),
            ],
            resilience: ResilienceOverrides()
        )
    }
}

/// A guard around a scripted runtime, with a manual clock and no jitter unless asked.
struct GuardFixture {
    let clock = ManualClock()
    let runtime: ScriptedRuntime
    let guarded: GuardedRuntime

    init(
        _ steps: [ScriptedRuntime.Step], interruptible: Bool = true, configure: (inout ResiliencePolicy) -> Void = { _ in },
        jitter: @escaping @Sendable (Duration) -> Duration = { $0 }
    ) {
        var policy = ResiliencePolicy()
        policy.rateLimitPerMinute = 1_000_000
        configure(&policy)
        runtime = ScriptedRuntime(steps, interruptible: interruptible, clock: clock)
        guarded = GuardedRuntime(
            runtime: runtime, policy: policy, clock: clock, jitter: jitter,
            metrics: PluginMetrics(plugin: "scripted", factory: NOOPMetricsHandler.instance),
            logger: TestSupport.quietLogger
        )
    }

    /// Calls once; returns the reply's status or the thrown error's code.
    func call(_ session: SessionID? = nil, _ operation: StandardOperation = .serverInfo) async -> Outcome {
        do {
            return .reply(try await guarded.invoke(operation, session: session, body: []).status)
        } catch {
            return .error(error.code, error)
        }
    }

    enum Outcome: Equatable {
        case reply(PluginReply.Status)
        case error(ConnectorHostError.Code, ConnectorHostError)

        var code: ConnectorHostError.Code? {
            if case .error(let code, _) = self { return code }
            return nil
        }

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            switch (lhs, rhs) {
            case (.reply(let a), .reply(let b)): a == b
            case (.error(let a, _), .error(let b, _)): a == b
            default: false
            }
        }
    }
}
