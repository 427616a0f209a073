#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `CLOCK_MONOTONIC` in nanoseconds: the time base of call deadlines handed to
/// plugins (`time_remaining_ns`), shared by host and worker processes on one
/// machine.
package enum MonotonicClock {
    package static func nanoseconds() -> UInt64 {
        reading(CLOCK_MONOTONIC)
    }

    /// The same clock as of the last timer tick (a few milliseconds behind at
    /// most), read for a fraction of the cost: for deadlines set on every call,
    /// where ending a few milliseconds early does no harm.
    package static func coarseNanoseconds() -> UInt64 {
        reading(CLOCK_MONOTONIC_COARSE)
    }

    private static func reading(_ clock: clockid_t) -> UInt64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
