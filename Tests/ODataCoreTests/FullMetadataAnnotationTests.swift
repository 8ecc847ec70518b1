import GraphModel
import ODataCore
import ODataModel
import Testing

/// `odata.metadata=full`'s type annotations: written where a value's JSON does not tell its type, as
/// Microsoft.OData.Core writes them (the answers themselves: `FullMetadataTests` of the server).
@Suite struct FullMetadataAnnotationTests {
    @Test(arguments: [
        (TypeReference.primitive(.string), JSONValue.string("a"), nil as String?),
        (.primitive(.boolean), .bool(true), nil),
        (.primitive(.int32), .number("1"), nil),
        (.primitive(.double), .number("1.5"), nil),
        (.primitive(.double), .string("NaN"), "#Double"),
        (.primitive(.int64), .number("9007199254740993"), "#Int64"),
        (.primitive(.int64), .string("9007199254740993"), "#Int64"),
        (.primitive(.dateTimeOffset), .string("2026-01-01T00:00:00Z"), "#DateTimeOffset"),
        (.primitive(.guid), .string("00000000-0000-0000-0000-000000000000"), "#Guid"),
        (.primitive(.binary), .string("AA=="), "#Binary"),
        (.enumeration("resultantAppState"), .string("installed"), "#microsoft.graph.resultantAppState"),
        (.complex("windowsMinimumOperatingSystem"), .object(JSONObject()), nil),
        (.collection(.primitive(.string)), .array([]), "#Collection(String)"),
        (.collection(.enumeration("windowsArchitecture")), .array([]), "#Collection(microsoft.graph.windowsArchitecture)"),
        (.collection(.complex("win32LobAppRule")), .array([]), "#Collection(microsoft.graph.win32LobAppRule)"),
    ])
    func propertyTypesAreAnnotatedWhereJSONDoesNotTellThem(_ type: TypeReference, _ value: JSONValue, _ annotation: String?) throws {
        let full = FullMetadata(model: try #require(GraphModel.service.versions["beta"]), service: GraphModel.service)
        #expect(full.annotation(type, value: value) == annotation, "\(type)")
    }

}
