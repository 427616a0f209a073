import Foundation

/// The command line and environment that start a sandbox worker: inside
/// bubblewrap when namespaces are available, else the worker alone. Serving
/// and scanning workers both start from here, so they are confined alike.
///
/// Under bubblewrap the worker gets new user, PID, network, IPC, UTS and
/// cgroup namespaces (it cannot see, signal or trace anything outside, and has
/// no network but its own loopback), no capabilities, no further user
/// namespaces, a new session (no terminal to inject input into), and a view of
/// the file system made of: the system's `/usr` (read-only), the Swift runtime
/// the worker links against (read-only), the worker binary and the plugin file
/// (read-only), a fresh `/proc` and minimal `/dev`, a private `/tmp`, and the
/// data directory, writable, at its own path. When the worker (PID 2 in its
/// namespace) ends, bubblewrap's init ends, and the kernel kills every process
/// left in the namespace, whatever descriptors they hold.
enum WorkerCommand {
    /// The worker's only argument besides the parent check: its PID-namespace
    /// parent is bubblewrap's init, PID 1.
    private static let parentInsideNamespace = "1"

    /// - Parameters:
    ///   - settings: Worker binary, data directory, environment, bubblewrap.
    ///   - pluginPath: The absolute path of the plugin file the worker loads;
    ///     nil for a probe.
    ///   - namespaces: Whether to start the worker inside bubblewrap.
    ///   - probe: Start the worker in its probe mode: it checks it can run
    ///     confined, then exits.
    ///   - egressSocket: The host's ``EgressProxy`` socket, bound into the
    ///     sandbox and named by the proxy variables; only with namespaces.
    static func make(
        settings: SandboxSettings, pluginPath: String?, namespaces: Bool, probe: Bool = false,
        egressSocket: String? = nil
    ) -> SpawnCommand {
        var environment = workerEnvironment(settings)
        let parent = namespaces ? parentInsideNamespace : String(getpid())
        var workerArguments = ["--parent", parent] + (probe ? ["--probe"] : [])
        if !probe {
            let paths = fileSystemView(
                settings: settings, pluginPath: pluginPath, namespaces: namespaces, egress: egressSocket != nil
            )
            workerArguments += paths.readable.flatMap { ["--read", $0] } + paths.writable.flatMap { ["--write", $0] }
        }
        guard namespaces, let bubblewrap = settings.bubblewrapExecutable else {
            return SpawnCommand(
                executable: settings.workerExecutable, arguments: workerArguments, environment: environment
            )
        }
        var arguments = [
            "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534",
            "--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr",
        ]
        arguments += systemLinks()
        arguments += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        arguments += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for directory in runtimeDirectories where !directory.hasPrefix("/usr/") {
            arguments += ["--ro-bind", directory, directory]
        }
        arguments += ["--ro-bind", settings.workerExecutable, settings.workerExecutable]
        if let pluginPath { arguments += ["--ro-bind", pluginPath, pluginPath] }
        if let egressSocket {
            arguments += ["--ro-bind", egressSocket, SandboxEgress.socketInSandbox]
            // TLS to the declared hosts needs the system's certificate authorities.
            for directory in certificateDirectories { arguments += ["--ro-bind-try", directory, directory] }
            let proxy = "http://127.0.0.1:\(SandboxEgress.portInSandbox)"
            for name in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] { environment[name] = proxy }
        }
        if let data = settings.dataDirectory {
            arguments += ["--bind", data, data, "--chdir", data]
        } else {
            arguments += ["--chdir", "/tmp"]
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            arguments += ["--setenv", name, value]
        }
        arguments += ["--", settings.workerExecutable] + workerArguments
        // bubblewrap itself needs no variable; the marker lets `make test` find it too.
        return SpawnCommand(executable: bubblewrap, arguments: arguments, environment: baseEnvironment)
    }

    /// Where the system keeps its certificate authorities (Debian, then Red Hat).
    private static let certificateDirectories = ["/etc/ssl", "/etc/ca-certificates", "/etc/pki"]

    /// The paths the worker may read (and execute) and write, for Landlock
    /// (``SandboxWorkerServer``): the same as its mount view under bubblewrap,
    /// where it is a second layer; without namespaces, the only file-system
    /// layer, which then leaves out the host's `/tmp` and all of `/proc` but
    /// the worker's own.
    static func fileSystemView(
        settings: SandboxSettings, pluginPath: String?, namespaces: Bool, egress: Bool
    ) -> (readable: [String], writable: [String]) {
        var readable = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc/ld.so.cache"]
        readable += runtimeDirectories + [settings.workerExecutable] + (pluginPath.map { [$0] } ?? [])
        if egress { readable += certificateDirectories + [SandboxEgress.socketInSandbox] }
        var writable = settings.dataDirectory.map { [$0] } ?? []
        if namespaces {
            readable += ["/proc"]
            writable += ["/dev", "/tmp"]
        } else {
            // /proc/self opens as this worker's own /proc/<pid>. The worker has the
            // host's network here: name resolution, TLS and time zones need their files.
            readable += ["/proc/self", "/sys/devices/system/cpu", "/dev/urandom", "/dev/random", "/dev/zero"]
            readable += ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/localtime"]
            readable += egress ? [] : certificateDirectories
            writable += ["/dev/null"]
        }
        return (readable, writable)
    }

    /// What the worker and the plugin see: the plugin's declared variables over
    /// the few the worker needs, and nothing of the host's.
    static func workerEnvironment(_ settings: SandboxSettings) -> [String: String] {
        var environment = baseEnvironment
        // A plugin's crash is not the worker's: Swift's backtracer would only
        // delay the worker's death and bury its stderr in a report.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment["PATH"] = "/usr/bin:/bin"
        // glibc reserves 64 MiB of address space per malloc arena and thread:
        // a few arenas keep the worker well inside its address-space limit.
        environment["MALLOC_ARENA_MAX"] = "2"
        return environment.merging(settings.environment) { _, declared in declared }
    }

    /// The one host variable passed on: `make test` marks its run with it and,
    /// after the suite, looks for processes still carrying it — leftover
    /// workers. It carries nothing secret.
    private static let baseEnvironment: [String: String] = {
        let marker = "CONNECTOR_HOST_TEST_RUN"
        guard let run = ProcessInfo.processInfo.environment[marker] else { return [:] }
        return [marker: run]
    }()

    /// `/lib`, `/lib64`, `/bin` and `/sbin` as on the host: symbolic links into
    /// `/usr` (merged /usr) are recreated, real directories bound read-only.
    private static func systemLinks() -> [String] {
        var arguments: [String] = []
        for path in ["/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"] {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else {
                arguments += ["--ro-bind-try", path, path]
            }
        }
        return arguments
    }

    /// The directories of the Swift runtime libraries this process runs with
    /// (found in /proc/self/maps); the worker is built by the same toolchain.
    /// Empty when the runtime is linked statically.
    static let runtimeDirectories: [String] = {
        // Read to the end: /proc files have no size for a one-shot read to go by.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps"),
            let bytes = try? handle.readToEnd()
        else { return [] }
        try? handle.close()
        let maps = String(decoding: bytes, as: UTF8.self)
        var directories: Set<String> = []
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            let name = (path as NSString).lastPathComponent
            guard name.hasPrefix("libswift") || name.hasPrefix("libFoundation") || name.hasPrefix("libdispatch")
                || name.hasPrefix("lib_Foundation") || name.hasPrefix("libBlocksRuntime")
            else { continue }
            directories.insert((path as NSString).deletingLastPathComponent)
        }
        return directories.sorted()
    }()
}
