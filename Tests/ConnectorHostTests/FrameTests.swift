@testable import ConnectorHost
@testable import ConnectorHostRuntime
import Testing

@Suite(.timeLimit(.minutes(5))) struct FrameTests {
    func decode(_ bytes: [UInt8], limit: Int = 1 << 20) throws(WireError) -> [Frame] {
        var decoder = FrameDecoder(limit: limit)
        bytes.withUnsafeBytes { decoder.append($0) }
        var frames: [Frame] = []
        while let frame = try decoder.next() { frames.append(frame) }
        return frames
    }

    @Test func framesRoundTripAcrossArbitraryChunks() throws {
        let frames = [
            Frame(.call, callID: 7, payload: SandboxProtocol.Call(
                operation: "entity.get", session: 3, timeLimit: 5_000_000_000, body: Array("{\"id\":\"1\"}".utf8)
            ).encoded),
            Frame(.cancel, callID: 7),
            Frame(.reply, callID: 7, payload: SandboxProtocol.encode(PluginReply(
                status: .rateLimited, body: Array("{}".utf8), message: "slow down", retryAfter: .milliseconds(1500)
            ))),
        ]
        let stream = frames.flatMap(\.encoded)
        for chunk in [1, 3, 16, stream.count] {
            var decoder = FrameDecoder(limit: 1 << 20)
            var decoded: [Frame] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + chunk)
                stream[offset..<end].withUnsafeBytes { decoder.append($0) }
                while let frame = try decoder.next() { decoded.append(frame) }
                offset = end
            }
            #expect(decoded == frames, "chunks of \(chunk)")
        }
        let call = try SandboxProtocol.Call(decoding: frames[0].payload)
        #expect(call.operation == "entity.get" && call.session == 3 && call.timeLimit == 5_000_000_000)
        let reply = try SandboxProtocol.decodeReply(frames[2].payload)
        #expect(reply.status == .rateLimited && reply.message == "slow down" && reply.retryAfter == .milliseconds(1500))
    }

    /// A worker runs untrusted code: its handshake is held to what a validated
    /// descriptor can say, so no number in it can overflow the host's arithmetic.
    @Test func aHandshakeDescribingWhatNoDescriptorCanIsRefused() throws {
        let valid = #"{"protocolVersion":1,"pid":42,"description":{"manifest":{"name":"x","version":"1","key":"k","secret":"s","endpointEntityId":1,"functionEntityIds":[2,9]},"abiVersion":1,"isThreadSafe":false,"usesHistoryRecovery":false,"maxConcurrency":1,"functions":[{"entityId":2,"name":"session.open"}],"resilience":{"maxRetries":3}}}"#
        let ready = try SandboxProtocol.decodeReady(Array(valid.utf8))
        let hostile: [(inout SandboxProtocol.Ready) -> Void] = [
            { $0.description.resilience.maxRetries = .max },
            { $0.description.resilience.timeout = .seconds(Int64.max / 4) },
            { $0.description.resilience.rateLimitPerMinute = -1 },
            { $0.description.manifest.functionEntityIds = Int64.min...Int64.max },
            { $0.description.manifest.endpointEntityId = 5 },
            { $0.description.manifest.name = "" },
            { $0.description.functions.append(PluginFunction(entityId: 100, name: "far", signature: nil)) },
            { $0.description.functions.append(PluginFunction(entityId: 2, name: "session.close", signature: nil)) },
            { $0.description.functions.append(PluginFunction(
                entityId: 3, name: "sum", signature: FunctionSignature(returnType: .void, parameterTypes: [.void])
            )) },
            { $0.description.maxConcurrency = nil },
            { $0.description.abiVersion = 99 },
        ]
        for change in hostile {
            var changed = ready
            change(&changed)
            #expect(throws: WireError.self) { try SandboxProtocol.decodeReady(SandboxProtocol.json(changed)) }
        }
    }

    @Test func anOversizedFrameIsAProtocolViolation() {
        let frame = Frame(.reply, callID: 1, payload: Array(repeating: 0, count: 100)).encoded
        #expect(throws: WireError.oversized(length: 116, limit: 64)) { _ = try decode(frame, limit: 64) }
    }

    @Test func anUnknownKindIsAProtocolViolation() {
        var frame = Frame(.reply, callID: 1).encoded
        frame[4] = 42
        #expect(throws: WireError.unknownKind(42)) { _ = try decode(frame) }
    }

    @Test func truncatedPayloadsAreRejected() {
        #expect(throws: WireError.truncated) { _ = try SandboxProtocol.Call(decoding: [1, 0, 0]) }
        #expect(throws: WireError.truncated) { _ = try SandboxProtocol.decodeReply([0, 0]) }
    }
}
