import Foundation

/// The payloads of the sandbox protocol's frames. The handshake is JSON (it
/// happens once per worker); calls and replies are binary.
package enum SandboxProtocol {
    /// Bumped on any incompatible change; host and worker must agree.
    package static let version = 1

    /// The first frame a host sends: what to load, and under which limits.
    package struct Hello: Codable, Sendable, Equatable {
        package var protocolVersion: Int
        package var pluginPath: String
        package var frameLimit: Int
        package var memoryLimitMiB: Int?
        package var cpuLimitSeconds: Int?
        package var openFilesLimit: Int?
    }

    /// The worker's answer to ``Hello`` once the plugin is loaded and valid.
    package struct Ready: Codable, Sendable {
        package var protocolVersion: Int
        package var pid: Int32
        package var description: PluginDescription
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

    static func encode(_ reply: PluginReply) -> [UInt8] {
        var writer = WireWriter(capacity: 16 + reply.body.count + (reply.message?.utf8.count ?? 0))
        writer.write(reply.status.abiValue)
        writer.write(UInt32(clamping: reply.retryAfter.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 } ?? 0))
        if let message = reply.message {
            writer.write(UInt8(1))
            writer.writeString(message)
        } else {
            writer.write(UInt8(0))
        }
        writer.write(reply.body)
        return writer.bytes
    }

    static func decodeReply(_ payload: [UInt8]) throws(WireError) -> PluginReply {
        var reader = WireReader(payload[...])
        let status = try reader.read(Int32.self)
        let retryAfter = try reader.read(UInt32.self)
        let message = try reader.read(UInt8.self) == 1 ? try reader.readString() : nil
        return PluginReply(
            status: .init(abiValue: status), body: Array(reader.remaining), message: message,
            retryAfter: retryAfter > 0 ? .milliseconds(Int64(retryAfter)) : nil
        )
    }

    static func encodeLog(level: Int32, message: String) -> [UInt8] {
        var writer = WireWriter(capacity: 8 + message.utf8.count)
        writer.write(level)
        writer.writeString(message)
        return writer.bytes
    }

    static func decodeLog(_ payload: [UInt8]) throws(WireError) -> (level: Int32, message: String) {
        var reader = WireReader(payload[...])
        return (try reader.read(Int32.self), try reader.readString())
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        (try? JSONEncoder().encode(value)).map(Array.init) ?? []
    }

    static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ payload: [UInt8]) throws(WireError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(payload))
        } catch {
            throw .malformed("\(Value.self): \(error)")
        }
    }
}
