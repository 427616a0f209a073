import Foundation
import Synchronization

/// A plugin's callers' calls over the last minutes, in windows of ten
/// seconds: how many, how many failed, and latency percentiles, for a
/// dashboard's small charts. Kept per plugin name, so that a reload does not
/// blank them; the host's own calls are not counted.
package final class RecentCalls: Sendable {
    package static let windowLength: Duration = .seconds(10)
    package static let windowCount = 30

    private struct Window {
        var index: Int64
        var calls = 0
        var failures = 0
        var latencies = [UInt32](repeating: 0, count: LatencyBins.count)
    }

    private let clock: any HostClock
    private let windows = Mutex<[Window]>([])

    package init(clock: any HostClock) {
        self.clock = clock
    }

    private var currentIndex: Int64 { Self.index(at: clock.now) }

    /// The window that `time` falls in.
    private static func index(at time: Duration) -> Int64 {
        Int64(time.nanosecondCount / windowNanoseconds)
    }

    private static let windowNanoseconds = windowLength.nanosecondCount

    /// Counts one call that took `duration` and ended at `now` (the caller's
    /// reading of the host's clock, which it has anyway).
    package func record(duration: Duration, failed: Bool, at now: Duration) {
        let bin = LatencyBins.bin(of: duration)
        updateCurrentWindow(Self.index(at: now)) { window in
            window.calls += 1
            if failed { window.failures += 1 }
            window.latencies[bin] += 1
        }
    }

    /// Counts one call refused before it reached the plugin (rate limit,
    /// bulkhead, open breaker): a failure with no latency.
    package func recordRefusal() {
        updateCurrentWindow(currentIndex) { window in
            window.calls += 1
            window.failures += 1
        }
    }

    /// Changes the window filling now, starting it (and dropping the windows
    /// too old to show) when it is new.
    private func updateCurrentWindow(_ index: Int64, _ change: (inout Window) -> Void) {
        windows.withLock { windows in
            if windows.last?.index != index {
                windows.append(Window(index: index))
                windows.removeAll { $0.index <= index - Int64(Self.windowCount) }
            }
            change(&windows[windows.count - 1])
        }
    }

    /// The last ``windowCount`` windows, oldest first, the current one
    /// (still filling) last; windows without calls included.
    package func summary() -> [CallWindow] {
        let index = currentIndex
        let kept = windows.withLock { $0 }
        let seconds = Double(Self.windowLength.components.seconds)
        return (0..<Int64(Self.windowCount)).reversed().map { age in
            let window = kept.first { $0.index == index - age } ?? Window(index: index - age)
            return CallWindow(
                secondsAgo: Int(age) * Int(seconds), calls: window.calls, failures: window.failures,
                callsPerSecond: Double(window.calls) / seconds,
                p50Milliseconds: LatencyBins.percentile(0.50, of: window.latencies),
                p99Milliseconds: LatencyBins.percentile(0.99, of: window.latencies)
            )
        }
    }
}

/// Ten seconds of a plugin's callers' calls.
public struct CallWindow: Sendable, Hashable, Codable {
    /// How long ago the window started, in seconds: 0 for the one filling now.
    public var secondsAgo: Int
    /// The callers' calls in the window, refused ones included.
    public var calls: Int
    /// The calls that failed, refusals (rate limit, bulkhead, open breaker) included.
    public var failures: Int
    /// The calls divided by the window's ten seconds.
    public var callsPerSecond: Double
    /// The median latency, to within a fifth; nil without calls.
    public var p50Milliseconds: Double?
    /// The 99th percentile latency, to within a fifth; nil without calls.
    public var p99Milliseconds: Double?
}

/// Latency bins on a log scale, four per doubling from 10 µs: a percentile is
/// read to within a fifth of its value from 94 counters.
enum LatencyBins {
    static let count = 94
    private static let smallestMicroseconds = 10.0

    static func bin(of duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let microseconds = Double(seconds) * 1e6 + Double(attoseconds) / 1e12
        guard microseconds > smallestMicroseconds else { return 0 }
        let bin = Int((4 * log2(microseconds / smallestMicroseconds)).rounded(.up))
        return min(max(bin, 0), count - 1)
    }

    /// The upper bound of the bin where `fraction` of the calls are reached, in milliseconds.
    static func percentile(_ fraction: Double, of bins: [UInt32]) -> Double? {
        let total = bins.reduce(0) { $0 + Int($1) }
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for (bin, count) in bins.enumerated() {
            seen += Int(count)
            if seen >= rank { return smallestMicroseconds * pow(2, Double(bin) / 4) / 1000 }
        }
        return nil
    }
}
