// connector-host-worker: the sandbox process of one plugin. Started by the host
// with posix_spawn (inside bubblewrap where it can); speaks the sandbox
// protocol on fd 3, never on stdout.
import CConnectorHostSeccomp
import CConnectorHostSystem
import ConnectorHostRuntime
import Foundation

let arguments = CommandLine.arguments
guard let flag = arguments.firstIndex(of: "--parent"), flag + 1 < arguments.count, let parent = Int32(arguments[flag + 1])
else {
    FileHandle.standardError.write(Data("connector-host-worker is started by connector-host; it is not run by hand\n".utf8))
    exit(64)
}
// Die with the host (or, in a PID namespace, with bubblewrap's init), and leave
// at once if it already died.
_ = CConnectorHostSystem_die_with_parent(parent)
// The host's isolation probe: reaching this line confined is the answer.
if arguments.contains("--probe") { exit(0) }

/// The values of every `flag PATH` pair in the arguments.
func paths(after flag: String) -> [String] {
    zip(arguments, arguments.dropFirst()).filter { $0.0 == flag }.map(\.1)
}

/// Landlock, first thing: it binds only the threads started after it, and none has started yet.
func restrictFileSystem() -> String? {
    let readable = paths(after: "--read").map { strdup($0) }
    let writable = paths(after: "--write").map { strdup($0) }
    defer { (readable + writable).forEach { free($0) } }
    let result = readable.map { UnsafePointer($0) }.withUnsafeBufferPointer { readPaths in
        writable.map { UnsafePointer($0) }.withUnsafeBufferPointer { writePaths in
            CConnectorHostSeccomp_landlock(
                readPaths.baseAddress, Int32(readPaths.count), writePaths.baseAddress, Int32(writePaths.count)
            )
        }
    }
    if result > 0 { return nil }
    return result == 0 ? "the kernel has no Landlock" : "Landlock failed: \(String(cString: strerror(-result)))"
}

let landlockMissing = restrictFileSystem()
exit(SandboxWorkerServer.run(socket: 3, landlockMissing: landlockMissing) { allowExec in
    let result = CConnectorHostSeccomp_install(allowExec ? 1 : 0)
    return result == 0 ? nil : "libseccomp failed: \(String(cString: strerror(-result)))"
})
