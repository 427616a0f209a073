import ArgumentParser
import ConnectorHost

/// The session configuration of commands that open sessions.
struct SessionSettingOptions: ParsableArguments {
    @Option(name: .customLong("setting"), help: ArgumentHelp("A session setting.", valueName: "key=value"))
    var settings: [String] = []

    @Option(
        name: .customLong("sensitive-setting"),
        help: ArgumentHelp("A session setting that holds a secret.", valueName: "key=value")
    )
    var sensitiveSettings: [String] = []

    func validate() throws {
        for setting in settings + sensitiveSettings where !setting.contains("=") {
            throw ValidationError("setting '\(setting)' has no '='; write key=value")
        }
    }

    /// The settings as session.open receives them.
    var sessionSettings: [SessionSetting] {
        func parse(_ pair: String, sensitive: Bool) -> SessionSetting {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return SessionSetting(
                key: parts.first.map(String.init) ?? "", value: parts.count > 1 ? String(parts[1]) : "", sensitive: sensitive
            )
        }
        return settings.map { parse($0, sensitive: false) } + sensitiveSettings.map { parse($0, sensitive: true) }
    }
}
