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
        ("return=minimal", true),
        ("odata.maxpagesize=5, Return=Minimal", true),
        ("return=representation", false),
        ("", false),
    ])
    func preferenceTokens(_ value: String, _ found: Bool) {
        #expect(HeaderValues.contains(value, lowercased: "return=minimal") == found, "\(value)")
    }
}
