/// One call of a custom function as a runtime receives it: the arguments
/// already checked against the declared signature and, for a function that
/// takes its context, the session and settings it runs with.
package struct CustomFunctionRequest: Sendable, Equatable {
    package var function: String
    package var arguments: [CustomValue]
    /// The session the call runs in; nil for a function without a context.
    package var session: SessionID?
    /// The caller's settings as `session.open` received them (a JSON array);
    /// empty for a function without a context.
    package var settings: [UInt8]

    package init(function: String, arguments: [CustomValue], session: SessionID? = nil, settings: [UInt8] = []) {
        self.function = function
        self.arguments = arguments
        self.session = session
        self.settings = settings
    }
}
