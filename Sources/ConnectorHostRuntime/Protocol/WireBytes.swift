/// Little-endian encoding of the sandbox protocol's fixed-size fields.
package struct WireWriter {
    package private(set) var bytes: [UInt8]

    package init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func write<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func write(_ data: some Collection<UInt8>) {
        bytes.append(contentsOf: data)
    }

    /// A UTF-8 string preceded by its length as a `UInt32`.
    package mutating func writeString(_ string: String) {
        let utf8 = Array(string.utf8)
        write(UInt32(utf8.count))
        write(utf8)
    }
}

/// Reads what ``WireWriter`` wrote; every read is bounds-checked, because a
/// frame comes from another process.
package struct WireReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    package init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    package var remaining: ArraySlice<UInt8> { bytes[position...] }

    package mutating func read<Integer: FixedWidthInteger>(_: Integer.Type) throws(WireError) -> Integer {
        let size = MemoryLayout<Integer>.size
        guard bytes.endIndex - position >= size else { throw WireError.truncated }
        let offset = position - bytes.startIndex
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Integer.self) }
        position += size
        return Integer(littleEndian: value)
    }

    package mutating func readBytes(_ count: Int) throws(WireError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - position >= count else { throw WireError.truncated }
        defer { position += count }
        return bytes[position..<position + count]
    }

    package mutating func readString() throws(WireError) -> String {
        let count = try read(UInt32.self)
        return String(decoding: try readBytes(Int(count)), as: UTF8.self)
    }
}

/// A frame that breaks the protocol: the peer is not trusted any further.
package enum WireError: Error, Equatable, CustomStringConvertible {
    case truncated
    case oversized(length: Int, limit: Int)
    case unknownKind(UInt8)
    case malformed(String)

    package var description: String {
        switch self {
        case .truncated: "a frame ended before its fields did"
        case .oversized(let length, let limit): "a frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .unknownKind(let kind): "a frame of unknown kind \(kind)"
        case .malformed(let what): "a malformed frame: \(what)"
        }
    }
}
