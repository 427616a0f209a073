// hello-swift: a minimal connector written in Swift. It keeps greetings in
// memory and implements the mandatory operations, to show that a plugin needs
// nothing but connector_host.h: build it with
//   swiftc -emit-library -parse-as-library -module-name HelloSwift -I include \
//     Plugins/hello-swift/HelloSwift.swift -o build/plugins/hello-swift.so
import ConnectorHostABI
import Foundation

/// The host's API table, kept by the entry point.
nonisolated(unsafe) private var host: UnsafePointer<ch_host_api>?

/// Greetings by ID. The descriptor does not set CH_PLUGIN_THREAD_SAFE, so the
/// host makes one call at a time and this state needs no lock.
nonisolated(unsafe) private var greetings: [Int: [String: Any]] = [:]
nonisolated(unsafe) private var nextGreetingID = 1

// MARK: - Replies

/// Copies bytes into memory from the host's allocator, as the ABI requires.
private func hostCopy(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8>? {
    guard let host, let memory = host.pointee.allocate(max(bytes.count, 1)) else { return nil }
    let typed = memory.bindMemory(to: UInt8.self, capacity: max(bytes.count, 1))
    typed.initialize(from: bytes, count: bytes.count)
    return typed
}

private func reply(_ response: UnsafeMutablePointer<ch_response>?, _ object: Any) -> ch_status {
    guard let response, let data = try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])
    else { return ch_status(CH_STATUS_PERMANENT) }
    let bytes = [UInt8](data)
    response.pointee.body = hostCopy(bytes)
    response.pointee.body_length = bytes.count
    return ch_status(CH_STATUS_OK)
}

private func fail(_ response: UnsafeMutablePointer<ch_response>?, _ status: Int, _ message: String) -> ch_status {
    if let response, let text = hostCopy(Array(message.utf8) + [0]) {
        response.pointee.message = UnsafeMutableRawPointer(text).assumingMemoryBound(to: CChar.self)
    }
    return ch_status(status)
}

private func requestObject(_ request: UnsafePointer<ch_request>?) -> Any? {
    guard let request, let body = request.pointee.body else { return nil }
    let data = Data(bytes: body, count: request.pointee.body_length)
    return try? JSONSerialization.jsonObject(with: data)
}

private func log(_ message: String) {
    guard let host else { return }
    host.pointee.log(host.pointee.context, ch_log_level(CH_LOG_INFO), message)
}

// MARK: - Operations

private func greetingJSON(_ id: Int, _ fields: [String: Any]) -> [String: Any] {
    ["id": String(id), "entityTypeId": "greeting", "projectId": "HELLO", "fields": fields]
}

private let operations: [(name: String, operation: ch_operation_fn)] = [
    (CH_OP_SESSION_OPEN, { session, request, response in
        guard requestObject(request) is [Any] else {
            return fail(response, CH_STATUS_INVALID_REQUEST, "session.open expects an array of {key, value, sensitive}")
        }
        log("hello-swift session \(session?.pointee.id ?? 0) opened")
        return reply(response, [[String: Any]]())
    }),
    (CH_OP_SESSION_CLOSE, { _, _, response in reply(response, [String: Any]()) }),
    (CH_OP_METADATA_GET, { _, _, response in
        reply(response, ["enableFeatures": [String](), "additionalMetadata": [String: Any](), "fields": [Any]()])
    }),
    (CH_OP_SERVER_INFO, { _, _, response in
        reply(response, ["timeZone": "UTC", "locale": "en_US", "maxResults": 20])
    }),
    (CH_OP_ENTITY_TYPE_LIST, { _, _, response in
        reply(response, [["id": "greeting", "name": "Greeting", "direction": "BOTH",
                          "pollerType": "CURRENT_STATE", "isSoftDeleteSupported": true]])
    }),
    (CH_OP_LOOKUP_VALUES, { _, request, response in
        guard let fieldId = (requestObject(request) as? [String: Any])?["fieldId"] as? String, fieldId == "language"
        else { return fail(response, CH_STATUS_NOT_FOUND, "only the field 'language' has lookup values") }
        return reply(response, [["id": "en", "value": "English"], ["id": "fr", "value": "French"]])
    }),
    (CH_OP_ENTITY_CREATE, { _, request, response in
        guard let fields = (requestObject(request) as? [String: Any])?["fields"] as? [String: Any],
            fields["text"] is String
        else { return fail(response, CH_STATUS_INVALID_REQUEST, "fields.text (a string) is required") }
        let id = nextGreetingID
        nextGreetingID += 1
        greetings[id] = fields
        return reply(response, greetingJSON(id, fields))
    }),
    (CH_OP_ENTITY_GET, { _, request, response in
        guard let id = entityID(request), let fields = greetings[id] else {
            return fail(response, CH_STATUS_NOT_FOUND, "no such greeting")
        }
        return reply(response, greetingJSON(id, fields))
    }),
    (CH_OP_ENTITY_UPDATE, { _, request, response in
        guard let id = entityID(request), var fields = greetings[id] else {
            return fail(response, CH_STATUS_NOT_FOUND, "no such greeting")
        }
        let changes = (requestObject(request) as? [String: Any])?["fields"] as? [String: Any] ?? [:]
        fields.merge(changes) { _, new in new }
        greetings[id] = fields
        return reply(response, greetingJSON(id, fields))
    }),
    (CH_OP_ENTITY_LIST, { _, request, response in
        let object = requestObject(request) as? [String: Any] ?? [:]
        let start = object["startIndex"] as? Int ?? 0
        let limit = min(object["maxResults"] as? Int ?? 20, 20)
        // Swift traps on a negative prefix or drop, which would take the worker down.
        guard start >= 0, limit >= 0 else {
            return fail(response, CH_STATUS_INVALID_REQUEST, "startIndex and maxResults must not be negative")
        }
        let page = greetings.keys.sorted().dropFirst(start).prefix(limit)
        return reply(response, ["entities": page.compactMap { id in greetings[id].map { greetingJSON(id, $0) } },
                                "startIndex": start, "maxResults": limit, "totalCount": greetings.count])
    }),
    (CH_OP_ENTITY_DELETE, { _, request, response in
        guard let id = entityID(request), greetings.removeValue(forKey: id) != nil else {
            return fail(response, CH_STATUS_NOT_FOUND, "no such greeting")
        }
        return reply(response, ["id": String(id), "deleted": true])
    }),
]

private func entityID(_ request: UnsafePointer<ch_request>?) -> Int? {
    let value = (requestObject(request) as? [String: Any])?["entityId"]
    return (value as? String).flatMap { Int($0) } ?? value as? Int
}

// MARK: - Descriptor

/// Strings handed to the host must outlive every use: they are made once and
/// kept for the life of the image (which, holding Swift code, is never unloaded).
private func permanent(_ text: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(text))
}

private let descriptor: UnsafePointer<ch_plugin_descriptor> = {
    let table = UnsafeMutablePointer<ch_function>.allocate(capacity: operations.count)
    for (index, entry) in operations.enumerated() {
        // Field by field from a zeroed entry: a field a later ABI appends keeps its default.
        var function = ch_function()
        function.entity_id = 300_002 + Int64(index)
        function.name = permanent(entry.name)
        function.operation = entry.operation
        table[index] = function
    }
    var value = ch_plugin_descriptor()
    value.magic = CH_PLUGIN_MAGIC
    value.abi_version = CH_ABI_VERSION
    value.struct_size = UInt32(MemoryLayout<ch_plugin_descriptor>.size)
    value.name = permanent("hello-swift")
    value.version = permanent("0.1.0")
    value.key = permanent("hello-swift-key-41d2")
    value.secret = permanent("hello-swift-secret-8c0b7e")
    value.endpoint_entity_id = 300_001
    value.function_entity_start_id = 300_002
    value.function_entity_end_id = 300_100
    value.type = permanent("source")
    value.category = permanent("example")
    value.description = permanent("A minimal connector written in Swift that keeps greetings in memory.")
    value.licence = permanent("Apache-2.0")
    value.owner = permanent("ConnectorHost")
    value.function_size = UInt32(MemoryLayout<ch_function>.size)
    value.functions = UnsafePointer(table)
    value.function_count = operations.count
    let pointer = UnsafeMutablePointer<ch_plugin_descriptor>.allocate(capacity: 1)
    pointer.initialize(to: value)
    return UnsafePointer(pointer)
}()

@_cdecl("connector_host_plugin")
public func connectorHostPlugin(_ hostAPI: UnsafePointer<ch_host_api>?) -> UnsafePointer<ch_plugin_descriptor>? {
    host = hostAPI
    return descriptor
}
