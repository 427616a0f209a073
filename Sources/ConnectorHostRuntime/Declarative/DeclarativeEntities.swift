/// The standard entity operations of a declarative connector, served through
/// the operations its `entities` section maps: requests and answers in the
/// shapes of docs/operations.md, the entity's ID and fields read from each
/// answer at their JSON pointers and written into request bodies at the same
/// pointers.
struct DeclarativeEntities {
    let document: ConnectorDocument
    let session: DeclarativeSession?
    let call: PluginCallContext?

    /// A failed step: the reply the operation answers.
    private struct Failure: Error {
        let reply: PluginReply

        init(_ reply: PluginReply) { self.reply = reply }

        init(status: PluginReply.Status, body: [UInt8], message: String) {
            reply = PluginReply(status: status, body: body, message: message)
        }
    }

    /// Answers one of ``ConnectorDocument/entityOperations``.
    func answer(_ operation: StandardOperation, body: [UInt8]) -> PluginReply {
        let request: [String: JSONValue]
        if body.isEmpty {
            request = [:]
        } else if let members = (try? JSONValue(parsing: body))?.objectValue {
            request = members
        } else {
            return Self.refusal("the request of \(operation.rawValue) must be a JSON object").reply
        }
        switch answer(operation, request) {
        case .success(let value): return PluginReply(status: .ok, body: value.bytes)
        case .failure(let failure): return failure.reply
        }
    }

    private func answer(_ operation: StandardOperation, _ request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        if operation == .entityTypeList {
            return .success(.array(document.entities.map { type in
                ["id": .string(type.id), "name": .string(type.name), "direction": .string(type.direction),
                 "pollerType": "CURRENT_STATE", "isSoftDeleteSupported": false]
            }))
        }
        if operation == .lookupValues { return lookupValues(request) }
        let type: ConnectorDocument.EntityType
        switch entityType(request) {
        case .success(let found): type = found
        case .failure(let failure): return .failure(failure)
        }
        switch operation {
        case .entityTypeGet:
            return .success(settings(of: type))
        case .entityGet:
            return entityID(request).flatMap { id in get(type, id: id, request: request) }
        case .entityCreate:
            return create(type, request)
        case .entityUpdate:
            return entityID(request).flatMap { id in update(type, id: id, request: request) }
        case .entityList:
            return list(type, request)
        case .entityDelete:
            return entityID(request).flatMap { id in
                mapped(type.delete, of: type, "delete").flatMap { mapping in
                    send(mapping, parameters: Self.identifying(mapping, id))
                }.map { _ in ["id": .string(id), "deleted": true] }
            }
        default:
            return .failure(Failure(status: .notFound, body: [], message: "\(document.slug) does not implement \(operation.rawValue)"))
        }
    }

    // MARK: Configuration

    private func settings(of type: ConnectorDocument.EntityType) -> JSONValue {
        [
            "id": .string(type.id), "multiStepUpdate": "NO_SUB_STEPS", "isUpdateAvailable": .bool(type.update != nil),
            "fields": .array(type.fields.map { field in
                [
                    "internalName": .string(field.name), "displayName": .string(field.label),
                    "fieldType": .string(field.kind.fieldType), "required": .bool(field.required),
                    "isLookup": .bool(field.kind == .lookup || field.kind == .user), "defaultValue": field.defaultValue ?? .null,
                ]
            }),
        ]
    }

    private func lookupValues(_ request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        guard let fieldId = request["fieldId"]?.stringValue else { return .failure(Self.refusal("lookup.values needs a fieldId")) }
        let typeId = request["entityTypeId"]?.stringValue
        let field = document.entities.filter { typeId == nil || $0.id == typeId }.lazy
            .compactMap { $0.fields.first { $0.name == fieldId } }.first
        guard let field, !field.values.isEmpty else {
            return .failure(Failure(status: .notFound, body: [], message: "\(document.slug) has no lookup values for the field \"\(fieldId)\""))
        }
        return .success(.array(field.values.map { ["id": .string($0.id), "value": .string($0.value)] }))
    }

    // MARK: Entities

    private func get(_ type: ConnectorDocument.EntityType, id: String, request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        send(type.get, parameters: Self.identifying(type.get, id)).flatMap { answer in
            entity(of: type, answer, request: request)
        }
    }

    private func create(_ type: ConnectorDocument.EntityType, _ request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        mapped(type.create, of: type, "create").flatMap { mapping -> Result<JSONValue, Failure> in
            var given = request["fields"]?.objectValue ?? [:]
            for field in type.fields where given[field.name] == nil {
                if let value = field.defaultValue {
                    given[field.name] = value
                } else if field.required {
                    return .failure(Self.refusal("the field \"\(field.name)\" of \(type.id) is required"))
                }
            }
            return body(of: type, given).flatMap { body in send(mapping, parameters: [:], body: body) }
                .flatMap { answer in entity(of: type, answer, request: request) }
        }
    }

    /// Sends only the fields given (null clears one); when the end system
    /// answers no entity, the entity is read back.
    private func update(_ type: ConnectorDocument.EntityType, id: String, request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        mapped(type.update, of: type, "update").flatMap { mapping -> Result<JSONValue, Failure> in
            body(of: type, request["fields"]?.objectValue ?? [:])
                .flatMap { body in send(mapping, parameters: Self.identifying(mapping, id), body: body) }
                .flatMap { answer in
                    answer.at(pointer: type.idPointer) == nil ? get(type, id: id, request: request) : entity(of: type, answer, request: request)
                }
        }
    }

    /// One page by `startIndex` and `maxResults` (or a `nextPageLink` this
    /// answered before): by the list operation's offset or page number, or
    /// cut from its whole answer when it does not page.
    private func list(_ type: ConnectorDocument.EntityType, _ request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        mapped(type.list, of: type, "list").flatMap { mapping -> Result<JSONValue, Failure> in
            let start = Int(request["nextPageLink"]?.stringValue ?? "") ?? Int(clamping: request["startIndex"]?.integerValue ?? 0)
            let size = Int(clamping: request["maxResults"]?.integerValue ?? 50)
            guard start >= 0, size > 0 else { return .failure(Self.refusal("startIndex must be 0 or more and maxResults above 0")) }
            guard let operation = document.operations.first(where: { $0.name == mapping.operation }) else {
                return .failure(Self.refusal("\(type.id) maps list to no operation"))
            }
            var query: [(String, String)] = []
            var skip = start
            var served = Int.max
            switch operation.pagination?.style {
            case .offset(let offsetParameter, let limitParameter)?:
                query = [(offsetParameter, String(start)), (limitParameter, String(size))]
                skip = 0
                served = size
            case .page(let pageParameter, let sizeParameter, let firstPage)?:
                let pageSize = sizeParameter == nil ? operation.pagination?.pageSize ?? size : size
                query = [(pageParameter, String(firstPage + start / pageSize))]
                if let sizeParameter { query.append((sizeParameter, String(pageSize))) }
                skip = start % pageSize
                served = pageSize
            default:
                break
            }
            return send(mapping, parameters: [:], query: query).flatMap { answer -> Result<JSONValue, Failure> in
                guard let items = answer.at(pointer: mapping.items)?.arrayValue else {
                    return .failure(Failure(
                        status: .permanent, body: [],
                        message: "\(mapping.operation) answered no item array at \"\(mapping.items)\""
                    ))
                }
                let page = Array(items.dropFirst(skip).prefix(size))
                var entities: [JSONValue] = []
                for item in page {
                    switch entity(of: type, item, request: request) {
                    case .success(let entity): entities.append(entity)
                    case .failure(let failure): return .failure(failure)
                    }
                }
                // More may follow when the end system filled its page, or
                // when the whole answer holds more than this page.
                let more = served == Int.max ? items.count > start + size : items.count >= served && page.count == size
                return .success([
                    "entities": .array(entities), "startIndex": .integer(Int64(start)), "maxResults": .integer(Int64(size)),
                    "nextPageLink": more ? .string(String(start + page.count)) : .null,
                ])
            }
        }
    }

    // MARK: Mapping

    /// An answer as an entity: its ID and the fields the type declares.
    private func entity(of type: ConnectorDocument.EntityType, _ answer: JSONValue, request: [String: JSONValue]) -> Result<JSONValue, Failure> {
        guard let id = answer.at(pointer: type.idPointer).flatMap({ $0 == .null ? nil : DeclarativeExchange.text(of: $0) }) else {
            return .failure(Failure(
                status: .permanent, body: [], message: "the end system answered a \(type.id) without an ID at \"\(type.idPointer)\""
            ))
        }
        var fields: [String: JSONValue] = [:]
        for field in type.fields {
            if let value = answer.at(pointer: field.pointer) { fields[field.name] = value }
        }
        var entity: [String: JSONValue] = ["id": .string(id), "entityTypeId": .string(type.id), "fields": .object(fields)]
        if let project = request["projectId"] { entity["projectId"] = project }
        return .success(.object(entity))
    }

    /// The request body: each field given at its pointer, every field checked first.
    private func body(of type: ConnectorDocument.EntityType, _ given: [String: JSONValue]) -> Result<[String: JSONValue], Failure> {
        var body: JSONValue = [:]
        for name in given.keys.sorted() {
            guard let field = type.fields.first(where: { $0.name == name }), let value = given[name] else {
                return .failure(Self.refusal(
                    "\"\(name)\" is not a field of \(type.id) (fields: \(type.fields.map(\.name).joined(separator: ", ")))"
                ))
            }
            if let mismatch = field.mismatch(value) { return .failure(Self.refusal("the field \"\(name)\" of \(type.id) \(mismatch)")) }
            body.set(value, at: field.pointer)
        }
        return .success(body.objectValue ?? [:])
    }

    private func entityType(_ request: [String: JSONValue]) -> Result<ConnectorDocument.EntityType, Failure> {
        guard let id = request["entityTypeId"]?.stringValue else { return .failure(Self.refusal("the request needs an entityTypeId")) }
        guard let type = document.entities.first(where: { $0.id == id }) else {
            return .failure(Failure(
                status: .notFound, body: [],
                message: "\(document.slug) has no entity type \"\(id)\" (types: \(document.entities.map(\.id).joined(separator: ", ")))"
            ))
        }
        return .success(type)
    }

    private func entityID(_ request: [String: JSONValue]) -> Result<String, Failure> {
        guard let id = request["entityId"].flatMap({ $0 == .null ? nil : DeclarativeExchange.text(of: $0) }), !id.isEmpty else {
            return .failure(Self.refusal("the request needs an entityId"))
        }
        return .success(id)
    }

    private func mapped(
        _ mapping: ConnectorDocument.EntityOperation?, of type: ConnectorDocument.EntityType, _ role: String
    ) -> Result<ConnectorDocument.EntityOperation, Failure> {
        guard let mapping else { return .failure(Self.refusal("the entity type \(type.id) of \(document.slug) maps no \(role) operation")) }
        return .success(mapping)
    }

    /// Calls a mapped operation once (never walking its pages) and answers its JSON.
    private func send(
        _ mapping: ConnectorDocument.EntityOperation, parameters: [String: JSONValue], body: [String: JSONValue] = [:],
        query: [(String, String)] = []
    ) -> Result<JSONValue, Failure> {
        guard let session else { return .failure(Failure(status: .unauthorized, body: [], message: "the session is not open")) }
        guard let operation = document.operations.first(where: { $0.name == mapping.operation }) else {
            return .failure(Self.refusal("\(document.slug) has no operation '\(mapping.operation)'"))
        }
        let exchange = DeclarativeExchange(document: document, operation: operation, session: session, entityBody: body)
        var request: HTTPRequest
        do {
            request = try exchange.build(parameters: parameters, timeLeft: DeclarativeExchange.timeLeft(of: call))
        } catch {
            return .failure(Failure(status: error.status, body: [], message: error.message))
        }
        if !query.isEmpty { request.url = DeclarativeExchange.adding(query, to: request.url) }
        let reply = exchange.reply(to: session.connections.perform(request, call: call))
        guard reply.outcome.status == .ok else { return .failure(Failure(reply.outcome)) }
        if case .json(let value) = reply.value { return .success(value) }
        return .success(.null)
    }

    /// The parameters that name the entity (the reader makes sure an
    /// operation that needs one has its ID parameter).
    private static func identifying(_ mapping: ConnectorDocument.EntityOperation, _ id: String) -> [String: JSONValue] {
        mapping.idParameter.map { [$0: .string(id)] } ?? [:]
    }

    private static func refusal(_ message: String) -> Failure {
        Failure(status: .invalidRequest, body: [], message: message)
    }
}

extension JSONValue {
    /// Sets the value a JSON pointer names, making the objects on its way.
    mutating func set(_ value: JSONValue, at pointer: String) {
        let tokens = pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        set(value, along: tokens[...])
    }

    private mutating func set(_ value: JSONValue, along tokens: ArraySlice<String>) {
        guard let key = tokens.first else {
            self = value
            return
        }
        var members = objectValue ?? [:]
        var member = members[key] ?? .object([:])
        member.set(value, along: tokens.dropFirst())
        members[key] = member
        self = .object(members)
    }
}
