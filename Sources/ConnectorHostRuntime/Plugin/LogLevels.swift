import ConnectorHostABI
import Logging

extension Logger.Level {
    /// The level of a `ch_log_level` value; anything unknown counts as an error.
    package init(abiLevel: Int32) {
        switch Int(abiLevel) {
        case CH_LOG_TRACE: self = .trace
        case CH_LOG_DEBUG: self = .debug
        case CH_LOG_INFO: self = .info
        case CH_LOG_WARNING: self = .warning
        default: self = .error
        }
    }

    /// The `ch_log_level` value of this level.
    package var abiLevel: Int32 {
        switch self {
        case .trace: Int32(CH_LOG_TRACE)
        case .debug: Int32(CH_LOG_DEBUG)
        case .info, .notice: Int32(CH_LOG_INFO)
        case .warning: Int32(CH_LOG_WARNING)
        case .error, .critical: Int32(CH_LOG_ERROR)
        }
    }
}
