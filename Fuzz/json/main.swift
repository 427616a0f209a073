// libFuzzer harness: the JSON check every request and response crosses, with
// its C inner loop. Beyond not trapping, two properties must hold: a valid
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
    return 0
}
