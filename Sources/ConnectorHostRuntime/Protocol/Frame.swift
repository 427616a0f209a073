import ConnectorHostABI
/// One message of the sandbox protocol between the host and a worker, over a
/// socketpair: `u32 length | u8 kind | 3 reserved bytes | u64 call ID | payload`,
/// little-endian, where length counts everything after itself.
package struct Frame: Sendable, Equatable {
    package enum Kind: UInt8, Sendable {
        // Host to worker.
        case hello = 1
        case call = 2
        case cancel = 3
        case shutdown = 4
        case customCall = 5
        // Worker to host.
        case ready = 101
        case loadFailed = 102
        case reply = 103
        case callFailed = 104
        case log = 105
        case customReply = 106
    }

    /// Bytes before the payload.
    package static let headerSize = 16
    /// The default largest frame: a response body of `CH_MAX_RESPONSE_BYTES`
    /// and room for its message and framing.
    package static let defaultLimit = Int(CH_MAX_RESPONSE_BYTES) + (64 << 10)

    package var kind: Kind
    /// Matches a reply to its call; 0 for frames outside calls.
    package var callID: UInt64
    package var payload: [UInt8]

    package init(_ kind: Kind, callID: UInt64 = 0, payload: [UInt8] = []) {
        self.kind = kind
        self.callID = callID
        self.payload = payload
    }

    /// The frame's bytes on the wire.
    package var encoded: [UInt8] {
        var writer = WireWriter(capacity: Self.headerSize + payload.count)
        writer.write(UInt32(Self.headerSize - 4 + payload.count))
        writer.write(kind.rawValue)
        writer.write([0, 0, 0] as [UInt8])
        writer.write(callID)
        writer.write(payload)
        return writer.bytes
    }
}

/// Cuts a byte stream into frames.
package struct FrameDecoder {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest frame accepted, header included.
    package let limit: Int

    package init(limit: Int) { self.limit = limit }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil until more bytes arrive.
    ///
    /// - Throws: ``WireError`` when the stream breaks the protocol.
    package mutating func next() throws(WireError) -> Frame? {
        let available = buffer.count - start
        guard available >= 4 else { return nil }
        var reader = WireReader(buffer[start...])
        let length = Int(try reader.read(UInt32.self)) + 4
        guard length >= Frame.headerSize else { throw .malformed("length \(length) is shorter than a header") }
        guard length <= limit else { throw .oversized(length: length, limit: limit) }
        guard available >= length else { return nil }
        let rawKind = try reader.read(UInt8.self)
        guard let kind = Frame.Kind(rawValue: rawKind) else { throw .unknownKind(rawKind) }
        _ = try reader.readBytes(3)
        let callID = try reader.read(UInt64.self)
        let payload = Array(buffer[(start + Frame.headerSize)..<(start + length)])
        start += length
        if start > 1 << 20, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return Frame(kind, callID: callID, payload: payload)
    }
}
