import ArgumentParser
import ConnectorHost

/// Which plugins the commands that run them accept only signed (`connector-host sign`).
struct SigningOptions: ParsableArguments {
    @Option(name: .customLong("signing-key"), help: ArgumentHelp(
        "Serve plugin NAME only with a valid signature by this publisher's public key (repeatable).",
        valueName: "name=key"
    ))
    var signingKeys: [String] = []

    @Flag(help: "Serve only signed plugins: every plugin needs a --signing-key.")
    var requireSignatures = false

    func validate() throws {
        for entry in signingKeys where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--signing-key takes name=key, not \(entry)")
        }
    }

    /// The configuration with these options applied.
    func apply(to configuration: inout HostConfiguration) {
        for entry in signingKeys {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            configuration.signingKeys[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        configuration.requireSignatures = requireSignatures
    }
}
