import ODataCore
import Testing

/// `$filter` / `$orderby` text → canonical syntax tree text, and each syntax error.
@Suite struct ExpressionParserTests {
    @Test(arguments: [
        ("installState eq 'failed'", "(installState eq 'failed')"),
        ("a eq 1 and b ne 2 or c gt 3", "(((a eq 1) and (b ne 2)) or (c gt 3))"),
        ("a eq 1 and (b ne 2 or c gt 3)", "((a eq 1) and ((b ne 2) or (c gt 3)))"),
        ("not contains(displayName,'x')", "(not contains(displayName, 'x'))"),
        ("not (a eq 1)", "(not (a eq 1))"),
        ("status in ('compliant', 'error')", "(status in ['compliant', 'error'])"),
        ("startswith(tolower(userName),'o''neil')", "startswith(tolower(userName), 'o''neil')"),
        ("lastSyncDateTime ge 2017-01-01T00:03:19.2710393+03:00", "(lastSyncDateTime ge datetime:2017-01-01T00:03:19.2710393+03:00)"),
        ("installState eq microsoft.graph.resultantAppState'failed'", "(installState eq microsoft.graph.resultantAppState'failed')"),
        ("applicableArchitectures has microsoft.graph.windowsArchitecture'x64'", "(applicableArchitectures has microsoft.graph.windowsArchitecture'x64')"),
        ("largeIcon/type eq 'image/png'", "(largeIcon/type eq 'image/png')"),
        ("roleScopeTagIds/any(t: t eq '0')", "roleScopeTagIds/any(t: (t eq '0'))"),
        ("roleScopeTagIds/all(t:t ne '0')", "roleScopeTagIds/all(t: (t ne '0'))"),
        ("roleScopeTagIds/any()", "roleScopeTagIds/any()"),
        ("roleScopeTagIds/$count gt 1", "(roleScopeTagIds/$count gt 1)"),
        ("microsoft.graph.win32LobApp/rules/$count eq 0", "(microsoft.graph.win32LobApp/rules/$count eq 0)"),
        ("errorCode lt -5 and size ge 1.5e3", "((errorCode lt -5) and (size ge 1.5e3))"),
        ("id eq 0f5e4a2c-1111-2222-3333-444455556666", "(id eq guid:0f5e4a2c-1111-2222-3333-444455556666)"),
        ("description eq null", "(description eq null)"),
        ("isFeatured eq true", "(isFeatured eq true)"),
        ("devicesCount add 1 gt 2 mul 3", "((devicesCount add 1) gt (2 mul 3))"),
        // Text beyond ASCII, in literals and names; quotes doubled in a literal.
        ("userName eq 'Zoë ''the'' 🎉'", "(userName eq 'Zoë ''the'' 🎉')"),
        ("Größe eq 'x'", "(Größe eq 'x')"),
        // Number suffixes are dropped; a letter after one makes it part of a name, not a suffix.
        ("size gt 1L and ratio lt 1.5d", "((size gt 1) and (ratio lt 1.5))"),
        ("size sub 2e-3 ge -4E+2", "((size sub 2e-3) ge -4E+2)"),
        ("day eq 2017-01-01", "(day eq date:2017-01-01)"),
        ("id eq 0F5E4A2C-1111-2222-3333-444455556666 or x eq 1", "((id eq guid:0F5E4A2C-1111-2222-3333-444455556666) or (x eq 1))"),
        ("_private eq $it/@odata.id", "(_private eq $it/@odata.id)"),
        ("payload eq binary'T0RhdGE' or payload eq BINARY'AA=='", "((payload eq binary'T0RhdGE') or (payload eq binary'AA=='))"),
    ])
    func parsesFilters(_ text: String, _ canonical: String) throws {
        #expect(try ExpressionParser.parseFilter(text).description == canonical)
    }

    @Test(arguments: [
        ("", "empty"),
        ("a eq", "ends too early"),
        ("a eq 'x", "in $filter at position 5: the string literal that starts here is not closed with a quote"),
        ("a eq 1)", "unexpected ')'"),
        ("(a eq 1", "expected ')'"),
        ("a eq # 1", "unexpected character '#'"),
        ("a in 1", "expected '(' after in"),
        ("f(a,", "ends too early"),
        ("a/any(t t eq 1)", "expected ':'"),
        ("a/all()", "all() needs"),
        ("a/$count(b) gt 0", "'/$count' takes no options here"),
        ("a eq 1 b", "unexpected 'b'"),
        // 36 characters shaped like a GUID but followed by a letter are not one (`0f` is then the number 0).
        ("id eq 0f5e4a2c-1111-2222-3333-444455556666x", "unexpected '5e4'"),
        // Positions count characters as written, whatever their UTF-8 length.
        ("Zoë eq # 1", "Syntax error in $filter at position 7: unexpected character '#'"),
        // Text shaped as a date but out of range is named as the literal it tried to be.
        ("d gt 2020-13-45T00:00:00Z", "Invalid literal in $filter at position 5: '2020-13-45T00:00:00Z' is not a valid Edm.DateTimeOffset"),
        ("d eq 2020-02-30", "'2020-02-30' is not a valid Edm.DateTimeOffset or Edm.Date"),
        ("d eq 2020-01-01T25:00:00Z", "'2020-01-01T25:00:00Z' is not a valid"),
        ("'🎉🎉' eq 1 2", "in $filter at position 10: unexpected '2'"),
    ])
    func rejectsSyntax(_ text: String, _ phrase: String) {
        do {
            let tree = try ExpressionParser.parseFilter(text)
            Issue.record("parsed \(text) as \(tree)")
        } catch {
            #expect(error.kind == .badRequest)
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }

    @Test func limitsDepthNodesAndInLists() {
        var limits = ExpressionParser.Limits()
        limits.maxDepth = 5
        limits.maxNodes = 10
        limits.maxInItems = 3
        let deep = String(repeating: "(", count: 10) + "a eq 1" + String(repeating: ")", count: 10)
        #expect(throws: ODataError.self) { try ExpressionParser.parseFilter(deep, limits: limits) }
        let wide = (0..<6).map { "a eq \($0)" }.joined(separator: " or ")
        #expect(throws: ODataError.self) { try ExpressionParser.parseFilter(wide, limits: limits) }
        #expect(throws: ODataError.self) { try ExpressionParser.parseFilter("a in (1,2,3,4)", limits: limits) }
        #expect((try? ExpressionParser.parseFilter("a in (1,2,3)", limits: limits)) != nil)
    }

    @Test func parsesOrderBy() throws {
        let items = try ExpressionParser.parseOrderBy("installState desc,deviceName, lastSyncDateTime asc")
        #expect(items.map(\.description) == ["installState desc", "deviceName asc", "lastSyncDateTime asc"])
        #expect(throws: ODataError.self) { try ExpressionParser.parseOrderBy("a desc desc") }
    }
}
