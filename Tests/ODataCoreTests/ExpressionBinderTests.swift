import GraphModel
import ODataCore
import ODataModel
import Testing

/// `$filter` text → bound (typed) tree text, and each binding error.
@Suite struct ExpressionBinderTests {
    static let model = GraphModel.service.versions["beta"]!

    static func bind(_ text: String, type: String = "mobileAppInstallStatus") throws(ODataError) -> String {
        let binder = ExpressionBinder(model: model, type: model.entityTypes[type]!)
        return try binder.bindFilter(try ExpressionParser.parseFilter(text)).description
    }

    @Test(arguments: [
        ("installState eq 'failed'", "($it/installState eq #failed:microsoft.graph.resultantAppState)"),
        ("'failed' eq installState", "($it/installState eq #failed:microsoft.graph.resultantAppState)"),
        ("3 lt errorCode", "($it/errorCode gt 3:Edm.Int64)"),
        ("installState in ('failed', 'installed')", "($it/installState in [#failed, #installed])"),
        ("lastSyncDateTime ge 2017-01-01T03:00:00+03:00", "($it/lastSyncDateTime ge 2017-01-01T00:00:00Z:Edm.DateTimeOffset)"),
        ("deviceName eq null and not (errorCode ne 0)", "(($it/deviceName eq null:null) and (not ($it/errorCode ne 0:Edm.Int64)))"),
        ("startswith(tolower(deviceName), 'ab')", "startswith(tolower($it/deviceName), 'ab':Edm.String)"),
        ("errorCode add 1 gt 2.5", "(($it/errorCode add 1:Edm.Int64) gt 2.5:Edm.Double)"),
        // Names in any case, as Graph takes them, bound as the model spells them.
        ("InstallState eq 'failed'", "($it/installState eq #failed:microsoft.graph.resultantAppState)"),
        ("StartsWith(ToLower(DEVICENAME), 'ab')", "startswith(tolower($it/deviceName), 'ab':Edm.String)"),
        ("substring(deviceName, 1) eq 'x'", "(substring($it/deviceName, 1:Edm.Int64) eq 'x':Edm.String)"),
        ("year(lastSyncDateTime) eq 2024", "(year($it/lastSyncDateTime) eq 2024:Edm.Int64)"),
        ("date(lastSyncDateTime) eq 2024-02-29", "(date($it/lastSyncDateTime) eq '2024-02-29':Edm.Date)"),
        ("lastSyncDateTime lt now()", "($it/lastSyncDateTime lt now())"),
    ])
    func binds(_ text: String, _ expected: String) throws {
        #expect(try Self.bind(text) == expected)
    }

    @Test func bindsAcrossTypes() throws {
        #expect(try Self.bind("roleScopeTagIds/any(t: t eq '0')", type: "mobileApp")
            == "$it/roleScopeTagIds/any(t: (t eq '0':Edm.String))")
        #expect(try Self.bind("largeIcon/type eq 'image/png'", type: "mobileApp") == "($it/largeIcon/type eq 'image/png':Edm.String)")
        #expect(try Self.bind("roleScopeTagIds/$count gt 1", type: "mobileApp") == "($it/roleScopeTagIds/$count gt 1:Edm.Int64)")
        // Through a cast on the entity: null on entities of other types, as the collection is.
        #expect(try Self.bind("microsoft.graph.win32LobApp/rules/$count eq 0", type: "mobileApp")
            .hasPrefix("(($it/rules/$count if isof(win32"))
        #expect(try Self.bind("rules/any(r: r/microsoft.graph.win32LobAppRegistryRule/keyPath ne null) and rules/$count le 2", type: "win32LobApp")
            .hasSuffix("and ($it/rules/$count le 2:Edm.Int64))"))
        // A cast on the entity: null where the entity is of another type.
        #expect(try Self.bind("microsoft.graph.win32LobApp/applicableArchitectures has 'x64'", type: "mobileApp")
            == "(($it/applicableArchitectures if isof(win32LobApp|win32CatalogApp)) has 2)")
        #expect(try Self.bind("status eq microsoft.graph.complianceStatus'error'", type: "managedDeviceMobileAppConfigurationUserStatus")
            == "($it/status eq #error:microsoft.graph.complianceStatus)")
        #expect(try Self.bind("microsoft.graph.mobileApp/displayName eq 'x'", type: "mobileApp") == "($it/displayName eq 'x':Edm.String)")
        #expect(try Self.bind("isof('microsoft.graph.win32LobApp')", type: "mobileApp") == "isof(win32LobApp|win32CatalogApp)")  // and what derives from it
        #expect(try Self.bind("LargeIcon/Type eq 'image/png'", type: "mobileApp") == "($it/largeIcon/type eq 'image/png':Edm.String)")
        #expect(try Self.bind("largeIcon/value ne null", type: "mobileApp") == "($it/largeIcon/value ne null:null)")
        for filter in ["largeIcon/value eq binary'iVBORw0KGgo'", "largeIcon/value in (binary'AAE_-w')", "largeIcon/value eq 'AAE='"] {
            #expect(throws: ODataError.self) { try Self.bind(filter, type: "mobileApp") }
        }
        #expect(try Self.bind("Microsoft.Graph.Win32LobApp/ApplicableArchitectures has 'x64'", type: "mobileApp")
            == "(($it/applicableArchitectures if isof(win32LobApp|win32CatalogApp)) has 2)")
    }

    @Test(arguments: [
        ("nothing eq 1", "could not find a property named 'nothing'"),
        ("installState eq 'bogus'", "'bogus' is not a member of microsoft.graph.resultantAppState"),
        ("installState eq microsoft.graph.complianceStatus'error'", "is not the type of the value"),
        ("errorCode eq 'x'", "cannot compare Edm.Int32 with Edm.String using 'eq'"),
        ("deviceName", "must be true or false"),
        ("errorCode gt null", "cannot compare with null"),
        ("not errorCode", "'not' needs a true/false operand"),
        ("deviceName has 'x'", "'has' needs a flags enum"),
        ("concat(deviceName)", "'concat' takes 2 arguments"),
        ("length(errorCode) eq 1", "needs text arguments"),
        ("substring(deviceName) eq 'x'", "'substring' takes 2 or 3 arguments"),
        ("substring(deviceName, 'a') eq 'x'", "needs a whole number here"),
        ("year(deviceName) eq 2024", "'year' needs an argument of type Edm.DateTimeOffset, not Edm.String"),
        ("year(null) eq 2024", "not null"),
        ("now(lastSyncDateTime) eq 1", "'now' takes 0 arguments"),
        ("round(errorCode) eq 1", "the function 'round' is not supported"),
        ("deviceName/any(x: x eq 'a')", "is not a collection"),
        ("deviceName/$count eq 1", "'deviceName' is not a collection; '$count' needs one"),
        ("lastSyncDateTime gt '2020-01-01T00:00:00Z'", "quoted"),
        ("microsoft.graph.webApp/appUrl eq 'x'", "is not a type derived from"),
        // OData compares Edm.Binary with null only; a binary literal is base64url.
        ("binary'AAE' eq binary'AAE'", "Edm.Binary values can be compared only with null"),
        ("binary'AA*E' eq null", "binary'AA*E' is not base64url-encoded binary"),
    ])
    func rejects(_ text: String, _ phrase: String) {
        do {
            let bound = try Self.bind(text)
            Issue.record("bound \(text) as \(bound)")
        } catch {
            #expect(error.kind == .badRequest)
            #expect(error.target == "$filter")
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }
}
