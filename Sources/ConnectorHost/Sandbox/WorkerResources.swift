/// The resource limits of one sandbox worker, set by the operator. The
/// plugin's own descriptor (its `ch_resilience` limits) and the host's
/// resilience settings can lower a limit, never raise it. Nil: no limit.
///
/// They are rlimits of the worker process: the address space counts mappings,
/// not resident memory; CPU seconds add up over the worker's life (a worker
/// past it is killed with SIGXCPU and restarted like any crash); processes
/// count threads too, per user namespace, and do not bind a host run as root.
public struct WorkerResources: Sendable, Hashable, Codable {
    /// Address space, MiB. The worker itself (Swift runtime, call threads) needs about 200.
    public var memoryLimitMiB: Int? = 1024
    /// CPU time over the worker's life, seconds.
    public var cpuLimitSeconds: Int? = 3600
    /// Open descriptors.
    public var openFilesLimit: Int? = 256
    /// Processes and threads; applied only inside the worker's own user
    /// namespace, where it counts the worker's alone.
    public var processLimit: Int? = 256

    /// The default limits: 1024 MiB of address space, an hour of CPU, 256 descriptors, 256 processes and threads.
    public init() {}

    /// No limit at all: what trusted code would get.
    public static let unlimited: WorkerResources = {
        var resources = WorkerResources()
        resources.memoryLimitMiB = nil
        resources.cpuLimitSeconds = nil
        resources.openFilesLimit = nil
        resources.processLimit = nil
        return resources
    }()

    /// These limits, lowered by the policy's (a plugin's suggestion or a
    /// resilience override) where it is lower.
    func tightened(by policy: ResiliencePolicy) -> WorkerResources {
        var result = self
        result.memoryLimitMiB = Self.lower(memoryLimitMiB, policy.memoryLimitMiB)
        result.cpuLimitSeconds = Self.lower(cpuLimitSeconds, policy.cpuLimitSeconds)
        result.openFilesLimit = Self.lower(openFilesLimit, policy.openFilesLimit)
        return result
    }

    private static func lower(_ limit: Int?, _ request: Int?) -> Int? {
        guard let request else { return limit }
        guard let limit else { return request }
        return min(limit, request)
    }
}
