// libFuzzer harness: what the host reads from a sandbox worker, which runs
// untrusted code. The input is the byte stream of the worker's socket, cut
// into reads of varying size; every frame is decoded as the host decodes it.

@testable import ConnectorHost

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let first = bytes.first else { return 0 }
    // The first byte sets the read size (1...256), so frames straddle reads.
    let readSize = Int(first) + 1
    var decoder = FrameDecoder(limit: 1 << 20)
    var offset = 1
    while offset < size {
        let count = min(readSize, size - offset)
        decoder.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[offset..<(offset + count)]))
        offset += count
        do {
            while let frame = try decoder.next() { decode(frame) }
        } catch {
            return 0
        }
    }
    return 0
}

private func decode(_ frame: Frame) {
    let payload = frame.payload
    switch frame.kind {
    case .ready:
        if let ready = try? SandboxProtocol.decodeReady(payload) {
            // What the host computes from an accepted description must not trap.
            let description = ready.description
            let policy = ResiliencePolicy(layers: [description.resilience])
            _ = policy.timeout * (policy.maxRetries + 1) + policy.backoffCap * policy.maxRetries
            for retry in [1, 2, 31, policy.maxRetries] { _ = policy.delay(beforeRetry: retry) }
            _ = description.manifest.functionEntityIds.count
            _ = description.capabilities
        }
    case .loadFailed, .callFailed:
        _ = (try? SandboxProtocol.decodeJSON(SandboxProtocol.Failure.self, payload))?.error
    case .reply:
        if let reply = try? SandboxProtocol.decodeReply(payload) {
            // Without a message (whose text is read leniently), what decodes
            // re-encodes to what was read.
            if payload.count > 8, payload[8] == 0 {
                precondition(SandboxProtocol.encode(reply) == payload, "reply round trip")
            }
        }
    case .log:
        _ = try? SandboxProtocol.decodeLog(payload)
    case .customReply:
        _ = try? SandboxProtocol.decodeCustomReply(payload)
    case .call:
        if let call = try? SandboxProtocol.Call(decoding: payload) {
            precondition((try? SandboxProtocol.Call(decoding: call.encoded)) == call, "call round trip")
        }
    case .customCall:
        if let call = try? SandboxProtocol.CustomCall(decoding: payload) {
            _ = call.encoded
        }
    case .hello:
        _ = try? SandboxProtocol.decodeJSON(SandboxProtocol.Hello.self, payload)
    case .cancel, .shutdown:
        break
    }
}
