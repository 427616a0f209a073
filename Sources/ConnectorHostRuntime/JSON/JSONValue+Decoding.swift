import Foundation

extension JSONValue {
    /// The value decoded into a `Decodable` type of the caller's, e.g. a
    /// response of `ConnectorAPI` (in `ConnectorHost`):
    ///
    ///     struct Created: Decodable { let id: String }
    ///     let created = try await api.createEntity(type: "bug", fields: fields).decoded(as: Created.self)
    ///
    /// - Throws: `plugin_error` naming the type and what did not fit: the
    ///   plugin's answer is not what the caller expected.
    public func decoded<Value: Decodable>(as type: Value.Type, using decoder: JSONDecoder = JSONDecoder())
        throws(ConnectorHostError) -> Value
    {
        do {
            return try decoder.decode(Value.self, from: Data(bytes))
        } catch {
            throw ConnectorHostError(.pluginError, "the answer does not decode as \(Value.self): \(error)")
        }
    }
}
