/// What a custom function answered: its value, or the failure it reported
/// through its `ch_function_context` (a function without a context always
/// answers `ok`).
package struct CustomReply: Sendable, Equatable {
    package var value: CustomValue
    /// The status, message and retry hint the function set, as a standard
    /// operation's reply carries them (no body).
    package var outcome: PluginReply

    package init(value: CustomValue, outcome: PluginReply = PluginReply(status: .ok, body: [])) {
        self.value = value
        self.outcome = outcome
    }

    /// The value on success.
    ///
    /// - Throws: The error the function's status maps to, exactly as for a
    ///   standard operation (see ``PluginReply/successBody(plugin:operation:)``).
    package func result(plugin: String, function: String) throws(ConnectorHostError) -> CustomValue {
        _ = try outcome.successBody(plugin: plugin, operation: function)
        return value
    }
}
