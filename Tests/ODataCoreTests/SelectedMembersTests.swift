import ODataCore
import Testing

/// What `$select` paths into complex values keep of a value (`SelectedMembers.prune`): paths, value →
/// the value written back.
@Suite struct SelectedMembersTests {
    static let registry: Set<String> = ["#microsoft.graph.win32LobAppRegistryRule"]

    @Test(arguments: [
        // One member; control information stays; the order is the value's.
        ([[SelectPathStep.member("type")]], ##"{"@odata.type":"#microsoft.graph.mimeContent","type":"image/png","value":"AAAA"}"##,
         ##"{"@odata.type":"#microsoft.graph.mimeContent","type":"image/png"}"##),
        ([[.member("value")], [.member("type")]], ##"{"type":"a","value":"b","x":1}"##, ##"{"type":"a","value":"b"}"##),
        // A path that is empty keeps the value whole, whatever others name.
        ([[.member("type")], []], ##"{"type":"a","value":"b"}"##, ##"{"type":"a","value":"b"}"##),
        // Null stays null; a member the value lacks is left out.
        ([[.member("type")]], "null", "null"),
        ([[.member("type")]], ##"{"value":"b"}"##, "{}"),
        // Each value of a collection; nested members.
        ([[.member("a"), .member("b")]], ##"[{"a":{"b":1,"c":2},"d":3},{"a":null}]"##, ##"[{"a":{"b":1}},{"a":null}]"##),
        // An annotation of a member kept stays with it.
        ([[.member("a")]], ##"{"a@odata.type":"#Int64","a":1,"b@odata.type":"#Int64","b":2}"##, ##"{"a@odata.type":"#Int64","a":1}"##),
        // After a cast: only on values of that type (or derived from it).
        (
            [[.cast("microsoft.graph.win32LobAppRegistryRule", admits: registry), .member("keyPath")], [.member("ruleType")]],
            ##"[{"@odata.type":"#microsoft.graph.win32LobAppRegistryRule","ruleType":"detection","keyPath":"k"},{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"requirement","keyPath":"f"}]"##,
            ##"[{"@odata.type":"#microsoft.graph.win32LobAppRegistryRule","ruleType":"detection","keyPath":"k"},{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"requirement"}]"##
        ),
    ] as [([[SelectPathStep]], String, String)])
    func prunes(_ paths: [[SelectPathStep]], _ value: String, _ expected: String) throws {
        var w = JSONWriter(capacity: 64)
        w.json(SelectedMembers(paths).prune(try JSONParser.parse(Array(value.utf8))))
        #expect(String(decoding: w.bytes, as: UTF8.self) == expected)
    }
}
