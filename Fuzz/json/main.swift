// libFuzzer harness: the JSON check every request and response crosses, with
// its C inner loop, and JSONValue, which request bodies are parsed into. Beyond not trapping, two properties must hold: a valid
// document stays valid inside an array, and surrounding whitespace changes
// nothing.

@testable import ConnectorHost

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let valid = JSONValidator.isValid(bytes)
    precondition(JSONValidator.isValid([0x20, 0x0A] + bytes + [0x09, 0x0D]) == valid, "whitespace changed the verdict")
    // Only a document nested to the depth limit may turn invalid one level deeper.
    let openings = bytes.count { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }
    if valid, openings < JSONValidator.maximumDepth {
        precondition(JSONValidator.isValid(Array("[".utf8) + bytes + Array("]".utf8)), "a valid value is not valid in an array")
    }
    // Request bodies are read into JSONValue too: whatever it reads, the host's
    // own encoding of it must pass the check.
    if let value = try? JSONValue(parsing: bytes) {
        precondition(JSONValidator.isValid(value.bytes), "the encoding of a parsed value is not valid JSON")
    }
    return 0
}
