// connector-host-worker: the sandbox process of one plugin. Started by the host
// with posix_spawn (inside bubblewrap where it can); speaks the sandbox
// protocol on fd 3, never on stdout.
import CConnectorHostSeccomp
import CConnectorHostSystem
import ConnectorHost
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
exit(SandboxWorkerServer.run(socket: 3) { allowExec in
    let result = CConnectorHostSeccomp_install(allowExec ? 1 : 0)
    return result == 0 ? nil : "libseccomp failed: \(String(cString: strerror(-result)))"
})
