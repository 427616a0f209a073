// wrk, the load generator the peer and REST rows share.
import ConnectorHost
import Foundation

/// Runs wrk and reads its latency distribution's 50% and 99% and its Requests/sec.
func runWrk(_ wrk: String, _ arguments: [String], as name: String) throws -> Measurement {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: wrk)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    func value(after label: String) -> Substring? {
        text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
    }
    guard process.terminationStatus == 0, !text.contains("Non-2xx"), !text.contains("Socket errors"),
        let median = value(after: "50%").flatMap(wrkDuration), let p99 = value(after: "99%").flatMap(wrkDuration),
        let rate = value(after: "Requests/sec:").flatMap({ Double($0) })
    else { throw ConnectorHostError(.pluginError, "wrk \(arguments.joined(separator: " ")) printed:\n\(text)") }
    return Measurement(name: name, medianNanoseconds: median, p99Nanoseconds: p99, callsPerSecond: rate)
}

/// wrk's durations: `35.00us`, `1.20ms`, `2.00s`, in nanoseconds.
func wrkDuration(_ text: Substring) -> Double? {
    for (unit, nanoseconds) in [("us", 1e3), ("ms", 1e6), ("s", 1e9)] where text.hasSuffix(unit) {
        return Double(text.dropLast(unit.count)).map { $0 * nanoseconds }
    }
    return nil
}
