extension Duration {
    /// The duration in seconds, as a `Double`.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole nanoseconds; 0 for a negative duration, `UInt64.max` for one too
    /// long to count.
    package var nanosecondCount: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow || carry ? .max : total
    }

    /// Whole milliseconds (negative for a negative duration).
    package var millisecondCount: Int64 {
        components.seconds &* 1000 &+ components.attoseconds / 1_000_000_000_000_000
    }

    /// "1.5 s", for messages.
    package var secondsText: String {
        let milliseconds = millisecondCount
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }

    /// Whole seconds, rounded up and at least 1: a `Retry-After` a client can
    /// wait out without being refused again (4.2 s is "5", never "4").
    package var retryAfterSeconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0, seconds < Int64(Int32.max) else { return seconds < 0 ? 1 : Int(Int32.max) }
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
