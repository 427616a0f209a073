import ConnectorHost
import Testing

@Suite(.timeLimit(.minutes(5))) struct ResponseShapeTests {
    @Test func namesEveryDifference() throws {
        let info = try JSONValue(parsing: Array(#"{"maxResults": "50", "timeZone": 3}"#.utf8))
        #expect(DocumentedShapes.serverInfo.problems(in: info) == [
            #"$.maxResults: expected an integer, got string "50""#, "$.timeZone: expected a string, got integer 3",
        ])
        let types = try JSONValue(parsing: Array(#"[{"id": "bug", "name": "Bug", "direction": "SIDEWAYS"}, {"name": "x"}]"#.utf8))
        #expect(DocumentedShapes.entityTypes.problems(in: types) == [
            #"$[0].direction: expected one of SOURCE_ONLY, TARGET_ONLY, BOTH, got "SIDEWAYS""#, "$[1].id: missing",
        ])
        #expect(DocumentedShapes.serverInfo.problems(in: try JSONValue(parsing: Array(#"{"maxResults": 5}"#.utf8))).isEmpty)
    }

    @Test func jsonValuesKeep64BitIntegers() throws {
        let value = try JSONValue(parsing: Array(#"{"big": 9223372036854775807, "list": [1, 2.5, "x", null, true]}"#.utf8))
        #expect(value["big"]?.integerValue == Int64.max)
        #expect(value["list"]?[1] == .number(2.5))
        #expect(value["list"]?[3] == .null)
        #expect(try JSONValue(parsing: value.bytes) == value)
    }
}
