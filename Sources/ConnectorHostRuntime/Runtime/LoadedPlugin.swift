import ConnectorHostABI
import Logging

/// A plugin ready to be called in this process: a compiled image
/// (``PluginImage``) or a declarative connector (``DeclarativeConnector``).
/// The in-process runtime, and so the sandbox worker, call either alike.
package protocol LoadedPlugin: AnyObject, Sendable {
    var description: PluginDescription { get }

    /// Calls a standard operation on this thread (see ``PluginImage/invoke(_:session:body:context:)``).
    func invoke(
        _ operation: StandardOperation, session: UnsafeMutablePointer<ch_session>?, body: [UInt8], context: PluginCallContext
    ) throws(ConnectorHostError) -> PluginReply

    /// Calls a custom function on this thread (see ``PluginImage/invokeCustom(_:arguments:context:)``).
    func invokeCustom(
        _ name: String, arguments: [CustomValue], context: CustomFunctionCall.Context?
    ) throws(ConnectorHostError) -> CustomReply

    /// One user is done with the plugin.
    func release()
}

extension PluginImage: LoadedPlugin {}

/// Loads what a plugin file holds: a connector document, or a shared object.
package enum PluginLoader {
    /// - Parameter egressSocket: In a sandbox worker, the host's egress proxy
    ///   socket, from which a declarative connector gets its connections.
    /// - Throws: As ``PluginImage/load(_:logger:)`` or ``ConnectorDocument/load(path:)``.
    package static func load(
        _ path: String, logger: Logger, egressSocket: String? = nil
    ) throws(ConnectorHostError) -> any LoadedPlugin {
        if ConnectorDocument.isDocument(path) {
            return DeclarativeConnector(document: try ConnectorDocument.load(path: path), logger: logger, egressSocket: egressSocket)
        }
        return try PluginImage.load(path, logger: logger)
    }
}
