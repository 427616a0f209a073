import Foundation

/// The payloads of the sandbox protocol's frames. The handshake is JSON (it
/// happens once per worker); calls and replies are binary.
package enum SandboxProtocol {
    /// Bumped on any incompatible change; host and worker must agree.
    package static let version = 2

    /// The first frame a host sends: what to load, and under which limits.
    package struct Hello: Codable, Sendable, Equatable {
        package var protocolVersion: Int
        package var pluginPath: String
        package var frameLimit: Int
        package var memoryLimitMiB: Int?
        package var cpuLimitSeconds: Int?
        package var openFilesLimit: Int?
        package var processLimit: Int?
        /// Whether the seccomp filter lets the plugin start programs.
        package var allowExec: Bool
        /// Whether to install the seccomp filter at all.
        package var systemCallFilter: Bool
        /// The egress proxy's socket inside the sandbox: the worker forwards
        /// 127.0.0.1:``EgressProxy/portInSandbox`` to it. nil: no network.
        package var egressSocket: String?

        package init(protocolVersion: Int, pluginPath: String, frameLimit: Int, memoryLimitMiB: Int? = nil, cpuLimitSeconds: Int? = nil, openFilesLimit: Int? = nil, processLimit: Int? = nil, allowExec: Bool, systemCallFilter: Bool, egressSocket: String? = nil) {
            self.protocolVersion = protocolVersion
            self.pluginPath = pluginPath
            self.frameLimit = frameLimit
            self.memoryLimitMiB = memoryLimitMiB
            self.cpuLimitSeconds = cpuLimitSeconds
            self.openFilesLimit = openFilesLimit
            self.processLimit = processLimit
            self.allowExec = allowExec
            self.systemCallFilter = systemCallFilter
            self.egressSocket = egressSocket
        }
    }

    /// The worker's answer to ``Hello`` once the plugin is loaded and valid.
    package struct Ready: Codable, Sendable {
        package var protocolVersion: Int
        package var pid: Int32
        package var description: PluginDescription
        /// Why the worker runs without its seccomp filter; nil when it has one.
        package var seccompMissing: String?
        /// Why the worker runs without Landlock; nil when it has it.
        package var landlockMissing: String?

        package init(
            protocolVersion: Int, pid: Int32, description: PluginDescription, seccompMissing: String?, landlockMissing: String?
        ) {
            self.protocolVersion = protocolVersion
            self.pid = pid
            self.description = description
            self.seccompMissing = seccompMissing
            self.landlockMissing = landlockMissing
        }
    }

    /// An error carried in a frame: why loading failed, or why one call did.
    package struct Failure: Codable, Sendable, Error {
        package var code: String
        package var message: String

        package init(_ error: ConnectorHostError) {
            code = error.code.description
            message = error.message
        }

        package var error: ConnectorHostError {
            ConnectorHostError(ConnectorHostError.Code(name: code) ?? .pluginError, message)
        }
    }

    /// One call of a standard operation.
    package struct Call: Sendable, Equatable {
        package var operation: String
        /// 0: no session.
        package var session: UInt64
        /// Nanoseconds the plugin may take; 0: no limit.
        package var timeLimit: UInt64
        package var body: [UInt8]

        package var encoded: [UInt8] {
            var writer = WireWriter(capacity: 32 + operation.utf8.count + body.count)
            writer.writeString(operation)
            writer.write(session)
            writer.write(timeLimit)
            writer.write(body)
            return writer.bytes
        }

        package init(operation: String, session: UInt64, timeLimit: UInt64, body: [UInt8]) {
            self.operation = operation
            self.session = session
            self.timeLimit = timeLimit
            self.body = body
        }

        package init(decoding payload: [UInt8]) throws(WireError) {
            var reader = WireReader(payload[...])
            operation = try reader.readString()
            session = try reader.read(UInt64.self)
            timeLimit = try reader.read(UInt64.self)
            body = Array(reader.remaining)
        }
    }

    /// One call of a custom function, its arguments already checked.
    package struct CustomCall: Sendable, Equatable {
        package var request: CustomFunctionRequest
        /// Nanoseconds the plugin may take; 0: no limit.
        package var timeLimit: UInt64

        package init(_ request: CustomFunctionRequest, timeLimit: UInt64) {
            self.request = request
            self.timeLimit = timeLimit
        }

        package var encoded: [UInt8] {
            var writer = WireWriter()
            writer.writeString(request.function)
            writer.write(timeLimit)
            writer.write(request.session?.rawValue ?? 0)
            writer.write(UInt32(request.arguments.count))
            for argument in request.arguments { SandboxProtocol.write(argument, to: &writer) }
            writer.write(request.settings)
            return writer.bytes
        }

        package init(decoding payload: [UInt8]) throws(WireError) {
            var reader = WireReader(payload[...])
            let function = try reader.readString()
            timeLimit = try reader.read(UInt64.self)
            let session = try reader.read(UInt64.self)
            let count = try reader.read(UInt32.self)
            guard count <= 64 else { throw .malformed("\(count) arguments") }
            var arguments: [CustomValue] = []
            for _ in 0..<count { arguments.append(try SandboxProtocol.read(CustomValue.self, from: &reader)) }
            request = CustomFunctionRequest(
                function: function, arguments: arguments, session: session == 0 ? nil : SessionID(rawValue: session),
                settings: Array(reader.remaining)
            )
        }
    }

    /// A custom function's answer: its status, retry hint and message as a
    /// standard reply carries them, and its value as the body.
    package static func encode(_ reply: CustomReply) -> [UInt8] {
        var value = WireWriter()
        write(reply.value, to: &value)
        var outcome = reply.outcome
        outcome.body = value.bytes
        return encode(outcome)
    }

    package static func decodeCustomReply(_ payload: [UInt8]) throws(WireError) -> CustomReply {
        var outcome = try decodeReply(payload)
        var reader = WireReader(outcome.body[...])
        let value = try read(CustomValue.self, from: &reader)
        outcome.body = []
        return CustomReply(value: value, outcome: outcome)
    }

    /// A custom value with its exact type: a tag, then the value.
    package static func write(_ value: CustomValue, to writer: inout WireWriter) {
        switch value {
        case .null:
            writer.write(UInt8(0))
        case .bool(let flag):
            writer.write(UInt8(1))
            writer.write(UInt8(flag ? 1 : 0))
        case .signed(let number):
            writer.write(UInt8(2))
            writer.write(number)
        case .unsigned(let number):
            writer.write(UInt8(3))
            writer.write(number)
        case .float(let number):
            writer.write(UInt8(4))
            writer.write(number.bitPattern)
        case .double(let number):
            writer.write(UInt8(5))
            writer.write(number.bitPattern)
        case .string(let text):
            writer.write(UInt8(6))
            writer.writeString(text)
        case .bytes(let bytes):
            writer.write(UInt8(7))
            writer.write(UInt32(bytes.count))
            writer.write(bytes)
        case .json(let document):
            let bytes = document.bytes
            writer.write(UInt8(8))
            writer.write(UInt32(bytes.count))
            writer.write(bytes)
        }
    }

    package static func read(_: CustomValue.Type, from reader: inout WireReader) throws(WireError) -> CustomValue {
        switch try reader.read(UInt8.self) {
        case 0: return .null
        case 1: return .bool(try reader.read(UInt8.self) != 0)
        case 2: return .signed(try reader.read(Int64.self))
        case 3: return .unsigned(try reader.read(UInt64.self))
        case 4: return .float(Float(bitPattern: try reader.read(UInt32.self)))
        case 5: return .double(Double(bitPattern: try reader.read(UInt64.self)))
        case 6: return .string(try reader.readString())
        case 7:
            let count = try reader.read(UInt32.self)
            return .bytes(Array(try reader.readBytes(Int(count))))
        case 8:
            let count = try reader.read(UInt32.self)
            guard let document = try? JSONValue(parsing: Array(try reader.readBytes(Int(count)))) else {
                throw .malformed("a JSON custom value that is not JSON")
            }
            return .json(document)
        case let tag: throw .malformed("custom value tag \(tag)")
        }
    }

    package static func encode(_ reply: PluginReply) -> [UInt8] {
        var writer = WireWriter(capacity: 16 + reply.body.count + (reply.message?.utf8.count ?? 0))
        writer.write(reply.status.abiValue)
        writer.write(UInt32(clamping: reply.retryAfter?.millisecondCount ?? 0))
        if let message = reply.message {
            writer.write(UInt8(1))
            writer.writeString(message)
        } else {
            writer.write(UInt8(0))
        }
        writer.write(reply.body)
        return writer.bytes
    }

    package static func decodeReply(_ payload: [UInt8]) throws(WireError) -> PluginReply {
        var reader = WireReader(payload[...])
        let status = try reader.read(Int32.self)
        let retryAfter = try reader.read(UInt32.self)
        let message = try reader.read(UInt8.self) == 1 ? try reader.readString() : nil
        return PluginReply(
            status: .init(abiValue: status), body: Array(reader.remaining), message: message,
            retryAfter: retryAfter > 0 ? .milliseconds(Int64(retryAfter)) : nil
        )
    }

    package static func encodeLog(level: Int32, message: String) -> [UInt8] {
        var writer = WireWriter(capacity: 8 + message.utf8.count)
        writer.write(level)
        writer.writeString(message)
        return writer.bytes
    }

    package static func decodeLog(_ payload: [UInt8]) throws(WireError) -> (level: Int32, message: String) {
        var reader = WireReader(payload[...])
        return (try reader.read(Int32.self), try reader.readString())
    }

    /// The worker's handshake, its description held to what the validator
    /// could have produced (see `PluginDescription.boundsViolation`).
    package static func decodeReady(_ payload: [UInt8]) throws(WireError) -> Ready {
        let ready = try decodeJSON(Ready.self, payload)
        if let violation = ready.description.boundsViolation {
            throw .malformed("the handshake describes what no valid descriptor can: \(violation)")
        }
        return ready
    }

    package static func json(_ value: some Encodable) -> [UInt8] {
        (try? JSONEncoder().encode(value)).map(Array.init) ?? []
    }

    package static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ payload: [UInt8]) throws(WireError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(payload))
        } catch {
            throw .malformed("\(Value.self): \(error)")
        }
    }
}
