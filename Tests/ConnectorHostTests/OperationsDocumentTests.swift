import ConnectorHost
import Foundation
import Testing

/// docs/operations.md against the conformance kit's own definitions: the
/// table of allowed values lists exactly what the kit accepts.
@Suite(.timeLimit(.minutes(5))) struct OperationsDocumentTests {
    /// The "Allowed values" table: each row's key and the values in backticks.
    static func documentedValues() throws -> [String: [String]] {
        let text = try String(contentsOf: TestSupport.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        guard let section = text.range(of: "\n## Allowed values\n") else {
            throw TestFailure("docs/operations.md has no section \"## Allowed values\"")
        }
        var rows: [String: [String]] = [:]
        for line in text[section.upperBound...].split(separator: "\n") where line.hasPrefix("| `") {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard columns.count == 5 else { throw TestFailure("a row of the table is not | operation | key | values |: \(line)") }
            let key = columns[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            if rows[key] != nil { throw TestFailure("the table lists \(key) twice") }
            rows[key] = columns[3].split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        return rows
    }

    @Test func theTableOfAllowedValuesIsTheKits() throws {
        let documented = try Self.documentedValues()
        let kit = DocumentedValues.byDocumentedKey
        #expect(Set(documented.keys) == Set(kit.keys), "keys only in the docs: \(Set(documented.keys).subtracting(kit.keys)); only in the kit: \(Set(kit.keys).subtracting(documented.keys))")
        for (key, values) in kit {
            #expect(documented[key]?.sorted() == values.sorted(), "\(key): docs \(documented[key] ?? []), kit \(values)")
        }
    }

    /// The shapes take their enumerations from the same lists: a value the
    /// table allows passes, one it does not fails naming the allowed values.
    @Test func theShapesAcceptExactlyTheDocumentedValues() throws {
        for fieldType in DocumentedValues.fieldTypes {
            let settings: JSONValue = ["fields": [["internalName": "f", "fieldType": .string(fieldType)]]]
            #expect(DocumentedShapes.entityTypeSettings.problems(in: settings).isEmpty, "\(fieldType)")
        }
        let wrong: JSONValue = ["fields": [["internalName": "f", "fieldType": "DATE"]], "history": ["separateHistoryApis": ["WORKLOGS"]]]
        #expect(DocumentedShapes.entityTypeSettings.problems(in: wrong) == [
            #"$.fields[0].fieldType: expected one of TEXT, NUMBER, LOOKUP, USER, got "DATE""#,
            #"$.history.separateHistoryApis[0]: expected one of ATTACHMENTS, COMMENTS, LINKS, got "WORKLOGS""#,
        ])
        // entityWebUrl is the documented object, never a bare URL.
        #expect(DocumentedShapes.entityTypeSettings.problems(in: ["entityWebUrl": "https://tracker.example/browse/1"]) == [
            #"$.entityWebUrl: expected an object, got string "https://tracker.example/browse/1""#,
        ])
        #expect(DocumentedShapes.entityTypeSettings.problems(in: ["entityWebUrl": ["baseUrl": "https://tracker.example/"]]) == [
            "$.entityWebUrl.trailingTemplate: missing",
        ])
        let revision: JSONValue = ["revisions": [[
            "entityId": "1", "revisionId": "1", "revisionDateTime": "2026-01-01T00:00:00.000Z", "revisionType": "MOVE",
            "fields": ["oldValue": [:], "newValue": [:]],
        ]]]
        #expect(DocumentedShapes.historyPage(.historyList).problems(in: revision) == [
            #"$.revisions[0].revisionType: expected one of CREATE, UPDATE, DELETE, got "MOVE""#,
        ])
        #expect(DocumentedShapes.historyPage(.historyLinks).problems(in: revision) == [
            "$.revisions[0].linkRevision: missing",
            #"$.revisions[0].revisionType: expected one of CREATE, UPDATE, DELETE, got "MOVE""#,
        ])
    }
}
