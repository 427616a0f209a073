/// session, metadata and configuration: what every later check builds on.
extension ConformanceRun {
    /// session: a session opens with the credentials, and closes.
    func checkSession() async {
        await check(.session, "session.open accepts the credentials", of: [.sessionOpen]) { () async throws(ConnectorHostError) -> String? in
            let opened = try await connector.openSession(credentials)
            try? await connector.closeSession(opened)
            remember(sessionOpens: true)
            return nil
        }
        await check(.session, "session.close ends a session", of: [.sessionClose, .sessionOpen], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            try await connector.closeSession(try await connector.openSession(credentials))
            return nil
        }
    }

    /// What a check needing a session lacks, or nil.
    var noSession: String? { sessionOpens ? nil : "it needs a session, and session.open failed" }

    /// What a check needing an entity type lacks, or nil.
    var noEntityType: String? {
        noSession ?? (entityType == nil ? "it needs an entity type; entity_type.list must answer at least one" : nil)
    }

    /// metadata: the connector metadata has the documented shape.
    func checkMetadata() async {
        await check(.metadata, "metadata.get answers the documented shape", of: [.metadataGet]) { () async throws(ConnectorHostError) -> String? in
            shapeProblems(DocumentedShapes.connectorMetadata, try await call(.metadataGet))
        }
    }

    /// configuration: server info, entity types, type settings and lookup values.
    func checkConfiguration() async {
        await check(.configuration, "server.info answers the documented shape", of: [.serverInfo], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            let info = try await call(.serverInfo)
            if let problems = shapeProblems(DocumentedShapes.serverInfo, info) { return problems }
            guard let limit = info["maxResults"]?.integerValue, limit > 0 else {
                return "expected maxResults to be a positive integer, got \(info["maxResults"].map { "\($0)" } ?? "nothing")"
            }
            remember(maxResults: Int(limit))
            return nil
        }
        await check(.configuration, "entity_type.list answers the documented shape", of: [.entityTypeList], unless: noSession) { () async throws(ConnectorHostError) -> String? in
            let types = try await call(.entityTypeList)
            if let problems = shapeProblems(DocumentedShapes.entityTypes, types) { return problems }
            let ids = types.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            guard !ids.isEmpty else { return "expected at least one entity type, got none" }
            remember(entityTypes: ids)
            return nil
        }
        await checkEntityTypeSettings()
        await checkLookupValues()
        remember(noEntity: await whyNoEntity())
    }

    private func checkEntityTypeSettings() async {
        await check(.configuration, "entity_type.get answers the documented shape", of: [.entityTypeGet], unless: noEntityType) { () async throws(ConnectorHostError) -> String? in
            let settings = try await call(.entityTypeGet, ["entityTypeId": .string(entityType ?? "")])
            if let problems = shapeProblems(DocumentedShapes.entityTypeSettings, settings) { return problems }
            remember(settings: settings)
            for field in fields where DocumentedValues.lookupFieldTypes.contains(field["fieldType"]?.stringValue ?? "") {
                guard field["isLookup"]?.boolValue == true else {
                    let name = field["internalName"]?.stringValue ?? "?"
                    return "field \(name) is a \(field["fieldType"]?.stringValue ?? "") field, so lookup.values answers its values: expected \"isLookup\": true"
                }
            }
            let separate = settings["history"]?["separateHistoryApis"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for api in separate {
                if let operation = DocumentedValues.separateHistoryApis[api], !implements(operation) {
                    return "separateHistoryApis lists \(api), but the plugin does not implement \(operation.rawValue)"
                }
            }
            return nil
        }
        // The host refuses a HISTORY_BASED answer from a plugin that did not
        // declare CH_PLUGIN_HISTORY_RECOVERY (and so was not checked to
        // implement history.list); every type is asked, as any may claim it.
        await check(.configuration, "entity_type.get claims HISTORY_BASED recovery only with CH_PLUGIN_HISTORY_RECOVERY", of: [.entityTypeGet], unless: noEntityType) { () async throws(ConnectorHostError) -> String? in
            for type in entityTypes {
                do throws(ConnectorHostError) {
                    _ = try await call(.entityTypeGet, ["entityTypeId": .string(type)])
                } catch where error.code == .pluginError {
                    return "entity type \(type): \(error.message)"
                }
            }
            return nil
        }
    }

    /// The field the kit asks lookup.values for: a LOOKUP field if there is one.
    var lookupField: String? {
        let lookups = fields.filter { $0["isLookup"]?.boolValue == true }
        let field = lookups.first { $0["fieldType"]?.stringValue == "LOOKUP" } ?? lookups.first
        return field?["internalName"]?.stringValue
    }

    private func checkLookupValues() async {
        let noLookupField: String? = if let noEntityType {
            noEntityType
        } else if !implements(.entityTypeGet) {
            "the kit asks for the values of a field entity_type.get lists with \"isLookup\": true; implement entity_type.get and list one"
        } else if lookupField == nil {
            "entity_type.get of \(entityType ?? "") lists no field with \"isLookup\": true; list one (a LOOKUP field) to ask for"
        } else {
            nil
        }
        await check(.configuration, "lookup.values answers the documented shape", of: [.lookupValues], unless: noLookupField) { () async throws(ConnectorHostError) -> String? in
            let fieldId = lookupField ?? ""
            let values = try await call(.lookupValues, ["fieldId": .string(fieldId), "entityTypeId": .string(entityType ?? "")])
            if let problems = shapeProblems(DocumentedShapes.lookupValues, values) { return problems }
            return values.arrayValue?.isEmpty == false ? nil : "expected values for lookup field \(fieldId), got none"
        }
        await check(.configuration, "lookup.values of an unknown field is not found", of: [.lookupValues], unless: noEntityType) { () async throws(ConnectorHostError) -> String? in
            await expectFailure(.notFound, .lookupValues, [
                "fieldId": .string("\(tag)-no-such-field"), "entityTypeId": .string(entityType ?? ""),
            ], "a field without lookup values")
        }
    }
}
