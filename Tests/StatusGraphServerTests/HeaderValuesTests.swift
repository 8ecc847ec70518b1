import Testing

@testable import StatusGraphServer

/// Header values read on bytes: the JSON media type test every body passes, and token search.
@Suite struct HeaderValuesTests {
    @Test(arguments: [
        ("application/json", true),
        ("application/json; charset=utf-8", true),
        ("Application/JSON;odata.metadata=minimal", true),
        (" application / json ", true),
        ("\tapplication/json\t;", true),
        ("application/merge-patch+json", true),
        ("+json", true),
        ("application/problem+JSON; charset=utf-8", true),
        ("", false),
        ("text/plain", false),
        ("application/jsonx", false),
        ("application/json-seq", false),
        ("json", false),
        ("application/xml; x=application/json", false),
        ("application/" + String(repeating: "x", count: 200) + "+json", false),
    ])
    func jsonMediaTypes(_ value: String, _ isJSON: Bool) {
        #expect(HeaderValues.isJSON(contentType: value) == isJSON, "\(value)")
    }

    @Test(arguments: [
        ("100-continue", true),
        ("100-Continue", true),
        ("200-continue", false),
        ("", false),
    ])
    func tokens(_ value: String, _ found: Bool) {
        #expect(HeaderValues.contains(value, lowercased: "100-continue") == found, "\(value)")
    }

    /// `Prefer` fields → what the service honours of them; anything else, or malformed, is ignored.
    @Test(arguments: [
        (["return=minimal"], Preferences(returnMinimal: true)),
        (["odata.maxpagesize=5, Return=Minimal"], Preferences(returnMinimal: true, maxPageSize: 5)),
        (["odata.track-changes", "odata.maxpagesize=\"20\"; x=y"], Preferences(maxPageSize: 20)),
        (["maxpagesize = 7"], Preferences(maxPageSize: 7)),
        (["ODATA.MAXPAGESIZE=3,odata.maxpagesize=9"], Preferences(maxPageSize: 3)),
        (["return=representation"], Preferences()),
        (["odata.maxpagesize=0", "odata.maxpagesize=-1", "odata.maxpagesize=ten", "odata.maxpagesize=+5"], Preferences()),
        (["odata.maxpagesize=99999999999999999999999"], Preferences()),
        ([""], Preferences()),
        ([",;=,"], Preferences()),
    ] as [([String], Preferences)])
    func preferences(_ values: [String], _ expected: Preferences) {
        #expect(Preferences(parsing: values) == expected, "\(values)")
    }
}
