import CConnectorHostSystem
import ConnectorHostRuntime
import Foundation
import Logging
import Synchronization

/// The worker side of the sandbox protocol: runs in the `connector-host-worker`
/// process, loads one plugin and serves the host's calls (``WorkerCallLoop``).
package enum SandboxWorkerServer {
    /// Serves the host on `socket` until it says goodbye or goes away.
    ///
    /// - Parameters:
    ///   - socket: The protocol socket.
    ///   - confine: Installs the system-call filter, given whether the plugin may
    ///     start programs; returns why it could not, or nil. Called after the
    ///     resource limits and right before the plugin is loaded, so that none of
    ///     the plugin's code (constructors included) runs unfiltered.
    ///   - landlockMissing: Why the worker could not restrict itself with
    ///     Landlock (done first thing, before any thread starts); nil when it did.
    /// - Returns: The process exit status.
    package static func run(
        socket: Int32, landlockMissing: String? = nil, confine: (_ allowExec: Bool) -> String?
    ) -> Int32 {
        let connection = HostConnection(socket: socket)
        var reader = FrameReader(socket: socket, limit: Frame.defaultLimit)
        guard let helloFrame = reader.next(), helloFrame.kind == .hello,
            let hello = try? SandboxProtocol.decodeJSON(SandboxProtocol.Hello.self, helloFrame.payload)
        else { return 64 }
        reader.decoder = FrameDecoder(limit: hello.frameLimit)
        guard hello.protocolVersion == SandboxProtocol.version else {
            connection.send(Frame(.loadFailed, payload: SandboxProtocol.json(SandboxProtocol.Failure(ConnectorHostError(
                .abiMismatch,
                "the sandbox worker speaks protocol version \(SandboxProtocol.version), the host \(hello.protocolVersion); install matching host and worker binaries"
            )))))
            return 0
        }
        applyLimits(hello)
        let seccompMissing = hello.systemCallFilter ? confine(hello.allowExec) : "turned off in the host's settings"

        let logger = Logger(label: "connector-host.plugin") { _ in FrameLogHandler(connection: connection) }
        // Before the plugin's first line of code runs: its clients find the proxy from the start.
        if let egressSocket = hello.egressSocket {
            do {
                try EgressForwarder.start(proxySocket: egressSocket)
            } catch {
                logger.warning("no network: \(error.message)")
            }
        }
        let image: any LoadedPlugin
        do {
            image = try PluginLoader.load(hello.pluginPath, logger: logger, egressSocket: hello.egressSocket)
        } catch {
            connection.send(Frame(.loadFailed, payload: SandboxProtocol.json(SandboxProtocol.Failure(error))))
            return 0
        }
        let ready = SandboxProtocol.Ready(
            protocolVersion: SandboxProtocol.version, pid: getpid(), description: image.description,
            seccompMissing: seccompMissing, landlockMissing: landlockMissing
        )
        connection.send(Frame(.ready, payload: SandboxProtocol.json(ready)))

        let runtime = InProcessRuntime(image: image)
        let frameLimit = hello.frameLimit
        let loop = WorkerCallLoop(
            reader: reader, slots: min(image.description.maxConcurrency ?? 64, 64),
            serve: { id, request, context in
                switch request {
                case .standard(let call):
                    serve(call, id: id, runtime: runtime, context: context, connection: connection, frameLimit: frameLimit)
                case .custom(let call):
                    serveCustom(call, id: id, runtime: runtime, context: context, connection: connection, frameLimit: frameLimit)
                }
            },
            reject: { id, error in connection.fail(id, error) }
        )
        loop.run()
        runtime.closeAllSessions()
        return 0
    }

    private static func serve(
        _ call: SandboxProtocol.Call, id: UInt64, runtime: InProcessRuntime, context: PluginCallContext,
        connection: HostConnection, frameLimit: Int
    ) {
        guard let operation = StandardOperation(rawValue: call.operation) else {
            connection.fail(id, ConnectorHostError(.invalidRequest, "'\(call.operation)' is not a standard operation"))
            return
        }
        do {
            let reply = try runtime.invokeSynchronously(
                operation, session: call.session == 0 ? nil : SessionID(rawValue: call.session), body: call.body,
                context: context
            )
            let frame = Frame(.reply, callID: id, payload: SandboxProtocol.encode(reply))
            let size = frame.payload.count + Frame.headerSize
            guard size <= frameLimit else {
                connection.fail(id, ConnectorHostError(
                    .pluginError,
                    "\(runtime.description.manifest.name) \(operation.rawValue) answered with a \(reply.body.count)-byte response, over the sandbox frame limit of \(frameLimit) bytes; page the response, or raise the host's frame limit"
                ))
                return
            }
            connection.send(frame)
        } catch {
            connection.fail(id, error)
        }
    }

    private static func serveCustom(
        _ call: SandboxProtocol.CustomCall, id: UInt64, runtime: InProcessRuntime, context: PluginCallContext,
        connection: HostConnection, frameLimit: Int
    ) {
        do {
            let reply = try runtime.invokeCustomSynchronously(call.request, context: context)
            let payload = SandboxProtocol.encode(reply)
            guard payload.count + Frame.headerSize <= frameLimit else {
                connection.fail(id, ConnectorHostError(
                    .pluginError,
                    "\(runtime.description.manifest.name) \(call.request.function) returned \(payload.count) bytes, over the sandbox frame limit of \(frameLimit) bytes"
                ))
                return
            }
            connection.send(Frame(.customReply, callID: id, payload: payload))
        } catch {
            connection.fail(id, error)
        }
    }

    private static func applyLimits(_ hello: SandboxProtocol.Hello) {
        if let megabytes = hello.memoryLimitMiB {
            _ = CConnectorHostSystem_limit_address_space(UInt64(megabytes) << 20)
        }
        if let seconds = hello.cpuLimitSeconds {
            _ = CConnectorHostSystem_limit_cpu_seconds(UInt64(seconds))
        }
        if let count = hello.openFilesLimit {
            _ = CConnectorHostSystem_limit_open_files(UInt64(count))
        }
        if let count = hello.processLimit {
            _ = CConnectorHostSystem_limit_processes(UInt64(count))
        }
    }
}

/// Reads frames from the host on the worker's main thread.
struct FrameReader {
    private let socket: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    var decoder: FrameDecoder

    init(socket: Int32, limit: Int) {
        self.socket = socket
        decoder = FrameDecoder(limit: limit)
    }

    /// The next frame, or nil when the host has gone or broke the protocol.
    mutating func next() -> Frame? {
        while true {
            do {
                if let frame = try decoder.next() { return frame }
            } catch {
                return nil
            }
            let socket = self.socket
            let count = buffer.withUnsafeMutableBytes { Descriptors.readSome(socket, into: $0) }
            guard count > 0 else { return nil }
            buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}

/// The worker's side of the socket to the host, for writing: frames from any
/// thread. (The host's side is ``WorkerConnection``.)
final class HostConnection: Sendable {
    private let outbox: FrameOutbox

    init(socket: Int32) { outbox = FrameOutbox(socket: socket) }

    func send(_ frame: Frame) {
        outbox.send(frame)
    }

    func fail(_ callID: UInt64, _ error: ConnectorHostError) {
        send(Frame(.callFailed, callID: callID, payload: SandboxProtocol.json(SandboxProtocol.Failure(error))))
    }
}

/// Sends the plugin's log lines to the host as log frames.
struct FrameLogHandler: LogHandler {
    let connection: HostConnection
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        connection.send(Frame(.log, payload: SandboxProtocol.encodeLog(level: event.level.abiLevel, message: "\(event.message)")))
    }
}
