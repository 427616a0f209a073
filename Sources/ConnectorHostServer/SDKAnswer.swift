import ConnectorHost
import Hummingbird

/// A plugin's answer as the OpsHub SDK documents it. A plugin answers every
/// operation in JSON (docs/operations.md); where the OpsHub document differs,
/// the answer is reshaped here rather than in every plugin:
///
/// - `entity.create` answers 201;
/// - attachment content is the base64 text itself (`text/plain`), not the
///   plugin's `{"content": …}`;
/// - `entity.get` with a `fieldList` answers only those fields: OpsHub asks
///   for the mapped fields alone (MAPPED_DATA_RETRIEVAL), and a plugin that
///   reads every field is still right by it;
/// - `connector-metadata` carries every documented member: a field the plugin
///   described without `tooltip`, `lookup`, `defaultValue`, `validation` or
///   `parent` has it as null, and `additionalMetadata` is at least `{}`, so
///   that a client reading them finds the documented keys.
enum SDKAnswer {
    /// The optional members of a `connector-metadata` field, null when absent.
    static let optionalFieldMembers = ["tooltip", "lookup", "defaultValue", "validation", "parent"]

    static func response(
        _ bytes: [UInt8], of operation: StandardOperation, request: JSONValue
    ) throws(ConnectorHostError) -> Response {
        switch operation {
        case .entityCreate:
            return JSONBody.response(bytes: bytes, status: .created)
        case .attachmentGet:
            guard let content = (try? JSONValue(parsing: bytes))?["content"]?.stringValue else {
                throw ConnectorHostError(.pluginError, "attachment.get answered no content (base64 text)")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: content))
            )
        case .entityGet:
            guard case .array(let names)? = request["fieldList"], !names.isEmpty,
                case .object(var entity)? = try? JSONValue(parsing: bytes),
                case .object(let fields)? = entity["fields"]
            else {
                return JSONBody.response(bytes: bytes)
            }
            let wanted = Set(names.compactMap(\.stringValue))
            entity["fields"] = .object(fields.filter { wanted.contains($0.key) })
            return JSONBody.response(bytes: JSONValue.object(entity).bytes)
        case .metadataGet:
            guard case .object(var metadata)? = try? JSONValue(parsing: bytes) else { return JSONBody.response(bytes: bytes) }
            if metadata["additionalMetadata"] == nil { metadata["additionalMetadata"] = .object([:]) }
            if case .array(let fields)? = metadata["fields"] {
                metadata["fields"] = .array(fields.map { field in
                    guard case .object(var members) = field else { return field }
                    for name in optionalFieldMembers where members[name] == nil { members[name] = .null }
                    return .object(members)
                })
            }
            return JSONBody.response(bytes: JSONValue.object(metadata).bytes)
        default:
            return JSONBody.response(bytes: bytes)
        }
    }
}
