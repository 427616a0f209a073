// libFuzzer harness: the multipart/form-data parser of the upload and
// attachment routes. The input's first line is the Content-Type header, the
// rest the body, so boundaries and parameters are fuzzed as well as framing.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    let contentType = String(decoding: bytes[..<split], as: UTF8.self)
    let body = split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []
    guard let form = try? MultipartForm(body, contentType: contentType) else { return 0 }
    // What was read is bounded by what was sent.
    precondition(form.parts.count <= MultipartForm.maximumParts)
    precondition(form.parts.reduce(0) { $0 + $1.body.count } <= body.count)
    _ = form.text("file")
    return 0
}
