import GraphModel
import ODataCore
import ODataModel
import Testing

/// `$select` and `$expand` text → what the context URL writes of them (`ODataQuery.contextProjection`,
/// Microsoft.OData's form), and each binding error.
@Suite struct SelectExpandBinderTests {
    static func projection(_ query: String, type: String = "mobileApp", version: String = "beta", collection: Bool = true) throws(ODataError)
        -> String?
    {
        let service = GraphModel.service
        let model = service.versions[version]!
        let binder = QueryBinder(service: service, model: model, limits: QueryLimits(), dollarOptional: version == "beta")
        return try binder.bind(try QueryOptions(parsing: Substring(query)), type: model.entityTypes[type]!, collection: collection).contextProjection
    }

    @Test(arguments: [
        ("$select=displayName", "displayName"),
        ("$select=DisplayName,displayName", "displayName"),  // named twice: selected once
        ("$select=*", "*"),
        // With `*`, as Microsoft.OData's binder keeps them: the navigations named before it stay beside it;
        // the structural properties before it, and everything after it, `*` subsumes.
        ("$select=displayName,*", "*"),
        ("$select=userStatuses,*", "userStatuses,*"),
        ("$select=userStatuses,displayName,*,installSummary,fileName", "userStatuses,*"),
        ("$select=microsoft.graph.mobileApp/userStatuses,*,*", "microsoft.graph.mobileApp/userStatuses,*"),
        ("$select=*&$expand=userStatuses", "*,userStatuses()"),
        ("$select=displayName,microsoft.graph.win32LobApp/fileName", "displayName,microsoft.graph.win32LobApp/fileName"),
        ("$select=fileName", "fileName"),  // a derived type's property, unqualified
        // Paths into complex values (OData's select paths), through collections of them and casts.
        ("$select=largeIcon/type,displayName", "largeIcon/type,displayName"),
        ("$select=LargeIcon/Type,largeIcon/type", "largeIcon/type"),
        ("$select=largeIcon,largeIcon/type", "largeIcon,largeIcon/type"),
        ("$select=rules/ruleType", "rules/ruleType"),
        ("$select=rules/keyPath", "rules/keyPath"),  // a member of a type derived from the rule's
        (
            "$select=microsoft.graph.win32LobApp/rules/microsoft.graph.win32LobAppRegistryRule/keyPath",
            "microsoft.graph.win32LobApp/rules/microsoft.graph.win32LobAppRegistryRule/keyPath"
        ),
        // Navigation properties: named as they stand, before the expansions.
        ("$select=userStatuses", "userStatuses"),
        ("$select=displayName,installSummary,userStatuses", "displayName,installSummary,userStatuses"),
        ("$select=microsoft.graph.mobileApp/userStatuses", "microsoft.graph.mobileApp/userStatuses"),
        ("$select=userStatuses&$expand=userStatuses", "userStatuses,userStatuses()"),
        ("$expand=userStatuses($select=userName,deviceStatuses)", "userStatuses(userName,deviceStatuses)"),
        // `*` expands, where it stands, every navigation the service answers; named ones keep their options.
        ("$expand=*", "deviceStatuses(),installSummary(),userStatuses()"),
        ("$expand=userStatuses($top=1),*", "userStatuses(),deviceStatuses(),installSummary()"),
        ("$expand=installSummary,*,userStatuses($select=userName)", "installSummary(),deviceStatuses(),userStatuses(userName)"),
        ("$expand=userStatuses($expand=*)", "userStatuses(deviceStatuses())"),
        // A type segment before the navigation, as Microsoft.OData writes it back.
        ("$expand=microsoft.graph.win32LobApp/userStatuses($select=userName)", "microsoft.graph.win32LobApp/userStatuses(userName)"),
        ("$expand=graph.webApp/installSummary,deviceStatuses", "microsoft.graph.webApp/installSummary(),deviceStatuses()"),
        ("$expand=microsoft.graph.win32LobApp/userStatuses,*", "microsoft.graph.win32LobApp/userStatuses(),deviceStatuses(),installSummary()"),
    ])
    func binds(_ query: String, _ expected: String) throws {
        #expect(try Self.projection(query) == expected)
    }

    @Test func bindsOnOtherTypesAndVersions() throws {
        #expect(try Self.projection("$expand=*", type: "managedDeviceMobileAppConfiguration", version: "v1.0")
            == "deviceStatuses(),deviceStatusSummary(),userStatuses(),userStatusSummary()")
        #expect(try Self.projection("$select=deviceStatusSummary", type: "managedDeviceMobileAppConfiguration", version: "v1.0")
            == "deviceStatusSummary")
        // v1.0's apps have no navigation the service answers: `*` expands nothing.
        #expect(try Self.projection("$expand=*", version: "v1.0") == nil)
        #expect(try Self.projection("$expand=*", type: "deviceAppManagement", collection: false)
            == "iosLobAppProvisioningConfigurations(),mobileAppConfigurations(),mobileApps()")
    }

    @Test(arguments: [
        ("$select=nothing", "could not find a property named 'nothing' on type 'microsoft.graph.mobileApp'"),
        ("$select=largeIcon/nothing", "could not find a property named 'nothing' on type 'microsoft.graph.mimeContent'"),
        ("$select=displayName/length", "'displayName' has no member 'length'"),
        ("$select=largeIcon/type/x", "'largeIcon/type' has no member 'x'"),
        ("$select=largeIcon//type", "'largeIcon//type' has an empty segment"),
        ("$select=userStatuses/userName", "'userStatuses' is a navigation property"),
        ("$select=rules/microsoft.graph.mimeContent/type", "'microsoft.graph.mimeContent' is not a type derived from microsoft.graph.win32LobAppRule"),
        ("$select=nothing/type", "could not find a property named 'nothing' on type 'microsoft.graph.mobileApp'"),
        ("$expand=microsoft.graph.userAppInstallStatus/deviceStatuses", "'microsoft.graph.userAppInstallStatus' is not a type derived from microsoft.graph.mobileApp"),
        ("$expand=microsoft.graph.win32LobApp/nothing", "could not find a navigation property named 'nothing' on type 'microsoft.graph.win32LobApp'"),
        ("$expand=userStatuses,microsoft.graph.win32LobApp/userStatuses", "names 'userStatuses' twice"),
        ("$select=microsoft.graph.mobileAppInstallStatus/deviceName", "is not a type derived from microsoft.graph.mobileApp"),
        ("$select=microsoft.graph.win32LobApp/nothing", "could not find a property named 'nothing' on type 'microsoft.graph.win32LobApp'"),
        ("$expand=nothing", "could not find a navigation property named 'nothing'"),
        ("$expand=*($top=1)", "'*' takes no options here"),
        ("$expand=*,*", "$expand names '*' twice"),
        ("$expand=userStatuses,UserStatuses", "$expand names 'UserStatuses' twice"),
        ("$expand=userStatuses($expand=deviceStatuses($expand=*))", "nests deeper than 2 levels"),
    ])
    func rejects(_ query: String, _ phrase: String) {
        #expect {
            _ = try Self.projection(query)
        } throws: { error in
            ((error as? ODataError)?.message.contains(phrase) ?? false)
        }
    }
}
