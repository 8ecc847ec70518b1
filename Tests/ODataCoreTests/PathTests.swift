import GraphModel
import ODataCore
import ODataModel
import Testing

/// URL path → canonical bound tree, and each error.
@Suite struct PathTests {
    static func bind(_ path: String, version: String = "beta") throws(ODataError) -> String {
        let service = GraphModel.service
        let binder = PathBinder(service: service, model: service.versions[version]!)
        let bound = try binder.bind(try PathParser.parse(Substring(path)))
        let target: String
        switch bound.target {
        case .singleton: target = "singleton"
        case .collection: target = "collection"
        case .entity: target = "entity"
        case .summary(let s): target = "summary(\(s.navigation))"
        case .count: target = "count"
        case .reference: target = "reference"
        }
        let cast = bound.cast.map { " cast \($0.name)" } ?? ""
        return "\(target) \(bound.canonical) : \(bound.type.name)\(cast) table=\(bound.collectionPath.joined(separator: "/")) parents=\(bound.parentKeys)"
    }

    @Test(arguments: [
        ("/deviceAppManagement", "singleton deviceAppManagement : deviceAppManagement table= parents=[]"),
        ("/deviceAppManagement/mobileApps", "collection deviceAppManagement/mobileApps : mobileApp table=mobileApps parents=[]"),
        ("/deviceAppManagement/mobileApps/a1", "entity deviceAppManagement/mobileApps('a1') : mobileApp table=mobileApps parents=[]"),
        ("/deviceAppManagement/mobileApps('a''1')", "entity deviceAppManagement/mobileApps('a''1') : mobileApp table=mobileApps parents=[]"),
        ("/deviceAppManagement/mobileApps(id='a1')/userStatuses", "collection deviceAppManagement/mobileApps('a1')/userStatuses : userAppInstallStatus table=mobileApps/userStatuses parents=[\"a1\"]"),
        ("/deviceAppManagement/mobileApps/a1/userStatuses/u%2F1/deviceStatuses/d1", "entity deviceAppManagement/mobileApps('a1')/userStatuses('u/1')/deviceStatuses('d1') : mobileAppInstallStatus table=mobileApps/userStatuses/deviceStatuses parents=[\"a1\", \"u/1\"]"),
        ("/deviceAppManagement/mobileApps/a1/userStatuses/$ref", "reference deviceAppManagement/mobileApps('a1')/userStatuses : userAppInstallStatus table=mobileApps/userStatuses parents=[\"a1\"]"),
        ("/deviceAppManagement/mobileApps/$count", "count deviceAppManagement/mobileApps : mobileApp table=mobileApps parents=[]"),
        ("/deviceAppManagement/mobileApps/a1/installSummary", "summary(installSummary) deviceAppManagement/mobileApps('a1')/installSummary : mobileAppInstallSummary table=mobileApps parents=[\"a1\"]"),
        ("/deviceAppManagement/mobileAppConfigurations/c/deviceStatusSummary", "summary(deviceStatusSummary) deviceAppManagement/mobileAppConfigurations('c')/deviceStatusSummary : managedDeviceMobileAppConfigurationDeviceSummary table=mobileAppConfigurations parents=[\"c\"]"),
        ("/deviceAppManagement/mobileApps/microsoft.graph.webApp", "collection deviceAppManagement/mobileApps : webApp cast webApp table=mobileApps parents=[]"),
        ("/deviceAppManagement/mobileApps/a1/graph.iosLobApp", "entity deviceAppManagement/mobileApps('a1') : iosLobApp cast iosLobApp table=mobileApps parents=[]"),
        // A cast before the key narrows the member as one after it does.
        ("/deviceAppManagement/mobileApps/graph.iosLobApp/a1", "entity deviceAppManagement/mobileApps('a1') : iosLobApp cast iosLobApp table=mobileApps parents=[]"),
        // A container's cast is its step's; the target has none of its own.
        ("/deviceAppManagement/mobileApps/a1/graph.webApp/userStatuses", "collection deviceAppManagement/mobileApps('a1')/userStatuses : userAppInstallStatus table=mobileApps/userStatuses parents=[\"a1\"]"),
        ("//deviceAppManagement//mobileApps/", "collection deviceAppManagement/mobileApps : mobileApp table=mobileApps parents=[]"),
    ])
    func binds(_ path: String, _ expected: String) throws {
        #expect(try Self.bind(path) == expected)
    }

    @Test(arguments: [
        ("/deviceAppManagement/nothing", "beta", "Resource not found for the segment 'nothing'."),
        ("/users", "beta", "Resource not found for the segment 'users'."),
        ("/deviceAppManagement/mobileApps/a/userStatuses", "v1.0", "Resource not found for the segment 'userStatuses'."),
        ("/deviceAppManagement/mobileApps/a/b", "beta", "Resource not found for the segment 'b'."),
        ("/deviceAppManagement/mobileApps/$value", "beta", "Resource not found for the segment '$value'."),
        ("/deviceAppManagement/mobileApps/$count/x", "beta", "Resource not found for the segment 'x'."),
        ("/deviceAppManagement/mobileApps/microsoft.graph.managedDeviceMobileAppConfigurationUserStatus", "beta", "is not derived from"),
        ("/deviceAppManagement/mobileApps('a", "beta", "not closed"),
        ("/deviceAppManagement/mobileApps('a'b')", "beta", "unescaped quote"),
        ("/deviceAppManagement/mobileApps/%zz", "beta", "percent-encoded"),
        ("/deviceAppManagement/mobileApps/a/displayName", "beta", "Addressing the property 'displayName'"),
        ("/deviceAppManagement('x')", "beta", "takes no key"),
        ("", "beta", "names no resource"),
    ])
    func rejects(_ path: String, _ version: String, _ phrase: String) {
        do {
            let bound = try Self.bind(path, version: version)
            Issue.record("bound \(path) to \(bound)")
        } catch {
            #expect(error.kind == .badRequest)
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }

    @Test func contextFragments() throws {
        let binder = PathBinder(service: GraphModel.service, model: GraphModel.service.versions["beta"]!)
        func fragment(_ p: String) throws -> String { try binder.bind(try PathParser.parse(Substring(p))).contextFragment }
        #expect(try fragment("/deviceAppManagement/mobileApps") == "deviceAppManagement/mobileApps")
        #expect(try fragment("/deviceAppManagement/mobileApps/a") == "deviceAppManagement/mobileApps/$entity")
        #expect(try fragment("/deviceAppManagement/mobileApps/a/userStatuses") == "deviceAppManagement/mobileApps('a')/userStatuses")
        #expect(try fragment("/deviceAppManagement/mobileApps/a/userStatuses/u") == "deviceAppManagement/mobileApps('a')/userStatuses/$entity")
        #expect(try fragment("/deviceAppManagement/mobileApps/a/installSummary") == "deviceAppManagement/mobileApps('a')/installSummary/$entity")
        #expect(try fragment("/deviceAppManagement") == "deviceAppManagement")
        // Casts, as OData JSON §10 and Microsoft.OData.Core write them: the target's after its collection,
        // a container's after its key; a cast to the declared type is none.
        #expect(try fragment("/deviceAppManagement/mobileApps/microsoft.graph.webApp") == "deviceAppManagement/mobileApps/microsoft.graph.webApp")
        #expect(try fragment("/deviceAppManagement/mobileApps/a/graph.webApp") == "deviceAppManagement/mobileApps/microsoft.graph.webApp/$entity")
        #expect(try fragment("/deviceAppManagement/mobileApps/graph.webApp/a") == "deviceAppManagement/mobileApps/microsoft.graph.webApp/$entity")
        #expect(
            try fragment("/deviceAppManagement/mobileApps/a/graph.win32LobApp/userStatuses/u/deviceStatuses")
                == "deviceAppManagement/mobileApps('a')/microsoft.graph.win32LobApp/userStatuses('u')/deviceStatuses")
        #expect(
            try fragment("/deviceAppManagement/mobileApps/a/graph.win32LobApp/installSummary")
                == "deviceAppManagement/mobileApps('a')/microsoft.graph.win32LobApp/installSummary/$entity")
        #expect(try fragment("/deviceAppManagement/mobileApps/microsoft.graph.mobileApp") == "deviceAppManagement/mobileApps")
    }

    @Test(arguments: [
        ("%24skiptoken=abc", ["$skiptoken": "abc"]),
        ("$SkipToken=a+b%20c&custom=1", ["$skiptoken": "a b c"]),
        ("&&$top=5&&$skip=2&", ["$top": "5", "$skip": "2"]),
        ("$filter=deviceName eq 'é=ü&'x'&$count", ["$filter": "deviceName eq 'é=ü", "$count": ""]),
        ("$filter=a%3Db%26c&$select=", ["$filter": "a=b&c", "$select": ""]),
        ("custom&$orderby=deviceName%20desc", ["$orderby": "deviceName desc"]),
    ])
    func queryOptions(_ raw: String, _ expected: [String: String]) throws {
        #expect(try QueryOptions(parsing: Substring(raw)).values == expected)
    }

    @Test(arguments: [
        ("$skiptoken=a&%24skiptoken=b", "more than once"),
        ("$search=x", "'$search' is not supported"),
        ("$bogus=1", "'$bogus' is not supported"),
        ("$apply=groupby((a))", "'$apply' is not supported"),
        ("$skiptoken=%zz", "percent-encoded"),
    ])
    func badQueryOptions(_ raw: String, _ phrase: String) {
        #expect(throws: ODataError.self) { try QueryOptions(parsing: Substring(raw)) }
        do { _ = try QueryOptions(parsing: Substring(raw)) } catch { #expect(error.message.contains(phrase), "\(error.message)") }
    }

    @Test func skipTokensRoundTripAndRejectForgeries() throws {
        let codec = SkipTokenCodec { payload in [UInt8(payload.count & 255), 42] + payload.prefix(3) }
        let other = SkipTokenCodec { payload in [0, 0] + payload.prefix(3) }
        let token = codec.encode(Array("a/b'c".utf8))
        #expect(try codec.decode(token) == Array("a/b'c".utf8))
        #expect(throws: ODataError.self) { try other.decode(token) }
        #expect(throws: ODataError.self) { try codec.decode("bm90LWEtdG9rZW4") }
        #expect(throws: ODataError.self) { try codec.decode("!!.!!") }
        #expect(throws: ODataError.self) { try codec.decode(token + ".x") }
        #expect(throws: ODataError.self) { try codec.decode("." + token) }
        #expect(throws: ODataError.self) { try codec.decode("") }
        var tampered = Array(token)
        tampered[0] = tampered[0] == "A" ? "B" : "A"
        #expect(throws: ODataError.self) { try codec.decode(String(tampered)) }
    }
}
