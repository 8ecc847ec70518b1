import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import StatusGraphServer
import Testing

/// Bearer tokens as Graph checks them: each 401 cause, the permission matrix, tenant isolation,
/// personal accounts and unlicensed tenants, and RS256/ES256 tokens verified against a JWKS.
@Suite struct IdentityTests {
    static let readWrite = "DeviceManagementApps.ReadWrite.All"
    static let read = "DeviceManagementApps.Read.All"
    static let configRead = "DeviceManagementConfiguration.Read.All"
    static let configReadWrite = "DeviceManagementConfiguration.ReadWrite.All"

    static func forge(_ claims: [String: Any], secret: [UInt8]? = testSecret, alg: String = "HS256") -> String {
        func b64(_ d: Data) -> String {
            d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = b64(try! JSONSerialization.data(withJSONObject: ["alg": alg, "typ": "JWT"]))
        let payload = b64(try! JSONSerialization.data(withJSONObject: claims))
        guard let secret else { return "\(header).\(payload)." }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: secret))
        return "\(header).\(payload).\(b64(Data(mac)))"
    }

    static func claims(_ overrides: [String: Any?] = [:]) -> [String: Any] {
        let now = Date().timeIntervalSince1970
        var c: [String: Any] = [
            "aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/\(defaultTenant)/", "tid": defaultTenant,
            "exp": now + 600, "nbf": now - 60, "iat": now - 60, "scp": readWrite,
        ]
        for (k, v) in overrides { c[k] = v }
        return c
    }

    @Test(arguments: [
        ("no header", nil as String?, "Access token is empty."),
        ("empty bearer", "Bearer ", "Access token is empty"),
        ("basic scheme", "Basic dXNlcjpwYXNz", "must be 'Bearer"),
        ("not a JWT", "Bearer abc.def", "CompactToken parsing failed"),
        ("garbage JWT", "Bearer a.b.c", "CompactToken parsing failed"),
        ("bad signature", "Bearer " + forge(claims(), secret: Array("another secret of 32 bytes ......".utf8)), "signature is invalid"),
        ("expired", "Bearer " + forge(claims(["exp": Date().timeIntervalSince1970 - 3600])), "the token is expired"),
        ("not yet valid", "Bearer " + forge(claims(["nbf": Date().timeIntervalSince1970 + 3600])), "not yet valid"),
        ("no expiry", "Bearer " + forge(claims(["exp": nil])), "no expiry"),
        ("wrong audience", "Bearer " + forge(claims(["aud": "https://management.azure.com"])), "Invalid audience"),
        ("wrong issuer", "Bearer " + forge(claims(["iss": "https://evil.example/"])), "Invalid issuer"),
        ("issuer of another tenant", "Bearer " + forge(claims(["iss": "https://sts.windows.net/11111111-1111-1111-1111-111111111111/"])), "Invalid issuer"),
        ("no tenant", "Bearer " + forge(claims(["tid": nil])), "no tenant"),
        ("alg none, unsigned", "Bearer " + forge(claims(), secret: nil, alg: "none"), "algorithm 'none' is not accepted"),
        ("alg none over a valid MAC", "Bearer " + forge(claims(), alg: "none"), "algorithm 'none' is not accepted"),
        ("HS512", "Bearer " + forge(claims(), alg: "HS512"), "algorithm 'HS512' is not accepted"),
    ])
    func unauthorized(_ name: String, _ authorization: String?, _ phrase: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.get, "/beta/deviceAppManagement/mobileApps", authorization: Client.Authorization(authorization))
            #expect(reply.status == 401, "\(name): \(reply.text)")
            #expect(reply.error["code"] as? String == "InvalidAuthenticationToken")
            #expect(reply.errorMessage.contains(phrase), "\(name): \(reply.errorMessage)")
            #expect(
                reply.header("WWW-Authenticate")
                    == #"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#)
        }
    }

    @Test func everyVersionedPathNeedsAToken() async throws {
        try await withApp { client in
            for (method, path) in [(HTTPRequest.Method.get, "/v1.0/$metadata"), (.get, "/beta/"), (.post, "/beta/$batch"), (.get, "/v1.0/deviceAppManagement")] {
                let reply = try await client.send(method, path, json: method == .post ? "{}" : nil, authorization: .none)
                #expect(reply.status == 401, "\(path)")
            }
            #expect(try await client.send(.get, "/health", authorization: .none).status == 200)
        }
    }

    enum Kind: String, Sendable { case scopes, roles }

    /// Operation kind × permissions → allowed or 403, as the model's permission table says.
    @Test(arguments: [
        // (method, path template, permissions, expected status); {cfg} {app} {prov} {us} are created first
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", [read], 200),
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", [configRead], 200),
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", ["User.Read"], 403),
        ("POST", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", [read], 403),
        ("POST", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", [readWrite], 201),
        ("POST", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", [configReadWrite], 201),
        ("DELETE", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses/{us}", [configReadWrite], 403),
        ("DELETE", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses/{us}", [readWrite], 204),
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatusSummary", [read], 200),
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatusSummary", [configRead], 403),
        ("GET", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}", [readWrite], 200),
        ("PATCH", "/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}", [read, configReadWrite], 403),
        ("GET", "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations", [configRead], 200),
        ("POST", "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations", [configReadWrite], 201),
        ("GET", "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/{prov}/userStatuses", [configRead], 403),
        ("GET", "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/{prov}?$expand=userStatuses", [configRead], 403),
        ("GET", "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/{prov}?$expand=userStatuses", [configRead, read], 200),
        ("GET", "/beta/deviceAppManagement/mobileApps", [configRead], 200),
        ("GET", "/beta/deviceAppManagement/mobileApps/{app}/userStatuses", [configRead], 403),
        ("POST", "/beta/deviceAppManagement/mobileApps/{app}/userStatuses/$ref", [read], 403),
        ("GET", "/beta/deviceAppManagement", [configRead], 200),
        ("PATCH", "/beta/deviceAppManagement", [read], 403),
        ("PATCH", "/beta/deviceAppManagement", [configReadWrite], 200),
    ] as [(String, String, [String], Int)], [Kind.scopes, Kind.roles])
    func permissionMatrix(_ row: (String, String, [String], Int), kind: Kind) async throws {
        let (method, template, permissions, expected) = row
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let us = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/userStatuses", #"{"status":"compliant"}"#)
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let prov = try await client.create("/beta/deviceAppManagement/iosLobAppProvisioningConfigurations", Bodies.provisioning)
            let path = template.replacingOccurrences(of: "{cfg}", with: cfg).replacingOccurrences(of: "{us}", with: us)
                .replacingOccurrences(of: "{app}", with: app).replacingOccurrences(of: "{prov}", with: prov)
            let token = kind == .scopes
                ? try await testIssuer.token(scopes: permissions) : try await testIssuer.token(roles: permissions)
            let body: String? = switch method {
            case "POST" where path.contains("Provisioning"): Bodies.provisioning
            case "POST": #"{"status":"compliant"}"#
            case "PATCH": "{}"
            default: nil
            }
            let reply = try await client.send(HTTPRequest.Method(method)!, path, json: body, authorization: "Bearer \(token)")
            #expect(reply.status == expected, "\(method) \(template) with \(permissions) as \(kind): \(reply.text)")
            if expected == 403 {
                #expect(reply.error["code"] as? String == "Forbidden")
                #expect(reply.errorMessage.contains("needs one of these permissions"), "\(reply.errorMessage)")
            }
        }
    }

    @Test func personalAccountsAndUnlicensedTenantsAre403() async throws {
        try await withApp(configure: { $0.identity.unlicensedTenants = ["22222222-2222-2222-2222-222222222222"] }) { client in
            let consumer = try await testIssuer.token(tenant: Identity.consumerTenant, scopes: [Self.readWrite])
            let personal = try await client.send(.get, "/beta/deviceAppManagement", authorization: "Bearer \(consumer)")
            #expect(personal.status == 403)
            #expect(personal.errorMessage.contains("Personal Microsoft accounts are not supported"))
            let unlicensed = try await testIssuer.token(tenant: "22222222-2222-2222-2222-222222222222", scopes: [Self.readWrite])
            let reply = try await client.send(.get, "/beta/deviceAppManagement", authorization: "Bearer \(unlicensed)")
            #expect(reply.status == 403)
            #expect(reply.errorMessage.contains("does not have an active Intune license"))
        }
    }

    /// Tokens minted here (the development token, `statusgraph token`) write their times as Entra ID does:
    /// whole seconds, JSON integers, which some clients' token readers require.
    @Test func mintedTokensCarryWholeSeconds() async throws {
        let token = try await testIssuer.token(scopes: [Self.readWrite], expiresIn: 90.7, notBefore: Date(timeIntervalSince1970: 1_700_000_000.4))
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        let text = try #require(Data(base64Encoded: payload).map { String(decoding: $0, as: UTF8.self) })
        for claim in ["exp", "iat"] {
            #expect(text.range(of: "\"\(claim)\":[0-9]+[,}]", options: .regularExpression) != nil, "\(claim) in \(text)")
        }
        #expect(text.contains("\"nbf\":1700000000,") || text.contains("\"nbf\":1700000000}"), "\(text)")
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let exp = try #require(claims["exp"] as? Int), iat = try #require(claims["iat"] as? Int)
        #expect(exp - iat == 90)
    }

    /// Tenant B cannot read, change, count, expand, page into or batch into tenant A's data, even with A's ids.
    @Test func tenantsAreIsolated() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            let b = "Bearer " + (try await testIssuer.token(tenant: "bbbbbbbb-0000-0000-0000-000000000000", scopes: [Self.readWrite]))
            let base = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(base, Bodies.iosLobApp)
            var statuses: [String] = []
            for i in 0..<5 { statuses.append(try await client.create("\(base)/\(app)/userStatuses", #"{"userName":"u\#(i)"}"#)) }
            let page = try await client.send(.get, "\(base)/\(app)/userStatuses")
            let nextLink = try #require(page.json["@odata.nextLink"] as? String).replacingOccurrences(of: "https://graph.test", with: "")

            for (method, path, body) in [
                (HTTPRequest.Method.get, "\(base)/\(app)", nil as String?),
                (.get, "\(base)/\(app)/userStatuses", nil), (.get, "\(base)/\(app)/userStatuses/\(statuses[0])", nil),
                (.get, "\(base)/\(app)/userStatuses/$count", nil), (.get, "\(base)/\(app)/installSummary", nil),
                (.patch, "\(base)/\(app)", "{}"), (.delete, "\(base)/\(app)/userStatuses/\(statuses[1])", nil),
                (.post, "\(base)/\(app)/userStatuses", #"{"userName":"intruder"}"#),
                (.get, "\(base)/\(app)/userStatuses/\(statuses[0])?$expand=deviceStatuses", nil),
            ] {
                let reply = try await client.send(method, path, json: body, authorization: .header(b))
                #expect(reply.status == 404, "\(method) \(path) as tenant B: \(reply.text)")
            }
            // B's own lists show nothing of A's; A's nextLink does not page B into A's data.
            let list = try await client.send(.get, "\(base)?$expand=userStatuses&$count=true", authorization: .header(b))
            #expect((list.json["value"] as? [Any])?.isEmpty == true)
            #expect(list.json["@odata.count"] as? Int == 0)
            let paged = try await client.send(.get, nextLink, authorization: .header(b))
            #expect(paged.status == 400 || paged.status == 404, "\(paged.text)")
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps/\#(app)"},{"id":"2","method":"DELETE","url":"/deviceAppManagement/mobileApps/\#(app)"}]}"#,
                authorization: .header(b))
            #expect((batch.json["responses"] as? [[String: Any]])?.map { $0["status"] as? Int } == [404, 404])
            // A still has everything.
            #expect(try await client.send(.get, "\(base)/\(app)/userStatuses/$count").text == "5")
        }
    }

    /// RS256 and ES256 tokens from an issuer whose keys come from a JWKS file.
    @Test func jwksSignedTokens() async throws {
        try await withDataDirectory { dir in
            let ec = ES256PrivateKey()
            let rsa = try Insecure.RSA.PrivateKey(pem: Self.rsaPEM)
            let params = ec.parameters!
            let (modulus, exponent) = try rsa.publicKey.getKeyPrimitives()
            func b64url(_ d: Data) -> String {
                d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
            }
            let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"ec-1","alg":"ES256","use":"sig","x":"\#(params.x)","y":"\#(params.y)"},{"kty":"RSA","kid":"rsa-1","alg":"RS256","use":"sig","n":"\#(b64url(modulus))","e":"\#(b64url(exponent))"}]}"#
            let file = dir + "/jwks.json"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try jwks.write(toFile: file, atomically: true, encoding: .utf8)
            let signers = JWTKeyCollection()
            await signers.add(ecdsa: ec, kid: "ec-1")
            await signers.add(rsa: rsa, digestAlgorithm: .sha256, kid: "rsa-1")
            let other = JWTKeyCollection()
            await other.add(ecdsa: ES256PrivateKey(), kid: "ec-1")
            let payload = JWKSClaims(claims: Self.claims())
            let ecToken = try await signers.sign(payload, kid: "ec-1")
            let rsaToken = try await signers.sign(payload, kid: "rsa-1")
            let foreign = try await other.sign(payload, kid: "ec-1")
            try await withApp(dataDirectory: dir + "/data", configure: { $0.identity.jwksFile = file }) { client in
                #expect(try await client.send(.get, "/beta/deviceAppManagement", authorization: "Bearer \(ecToken)").status == 200)
                #expect(try await client.send(.get, "/beta/deviceAppManagement", authorization: "Bearer \(rsaToken)").status == 200)
                let bad = try await client.send(.get, "/beta/deviceAppManagement", authorization: "Bearer \(foreign)")
                #expect(bad.status == 401)
                #expect(bad.errorMessage.contains("signature is invalid"))
            }
        }
    }

    /// A 2048-bit RSA key for the test (jwt-kit signs with it; its public half goes into the JWKS).
    static let rsaPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDJ43or8kNO7xpC
        SZrRa19REXW9ASTHwp9tN3+2Ly5TzqcA9R9hUcC/7nx+SfDsj1UAsEufZ2NoRBUH
        iFfucKRtDnE077OiS12Pwzw5BKYzGIqETXZwNmYUhNL42POkMHQ9aO+a9+OoN1KK
        8c28u9VTnPZFhokal6S+MOMxu+1XwdBrULxD/qYF3iD6rb+pJRQXgmd1gc9miNMq
        AF1DXhR2HnUIACcFF61pqilQHE9IlGbRy2zRDLpRvyYFJEid12N+k0g0TpGom9CI
        O8qsSFzVTgUyEU2qeBmzcHJFA7SLRkB5usSGuKvyQkiT1k4lbE516Gi10NR7HN7c
        RTvolK+PAgMBAAECggEAFHcqVdUfrJtBYrHab1s+lNW7xTad92AL0EL9f8bln9pF
        hKvUjAWBEBPJa/Xr5dcby0+Twut0oMeyCAryuvmROXrqz+5ym8OfDulALBmEDY7x
        z7qYhISHMZJLXq2DeUPuLKF8FI4HdnBxPiOH8xdpZyn0rxSVxmvT5/HFvi9qPmh5
        rrxVPRF4Q2G1SBd8fKV/nploLb3Gbfum/VqwrodXhmaxnHiN41xS0fVtvqtmSkq+
        Uvwll9abo/mN9XQDahT5BOnW0pxXm/QFKqnVLJNyXInaQv63K7g0HHB0P+fFbli+
        uzNTxlpkesnk2gY6uMek9ww0l+ar2a9XetBOxDIcIQKBgQDqaMAzSlXscRMXCQB7
        wA0u+Q1OXzjvdKyWtZWjNwSMTTzvyKNpp7Oc7CeIy2U4MBsMOKjJeLmN8FXLVw9X
        KlK4SCgiRsbtk8utF2RdgMjNwHCnN/w7CoeTEE4qAB9lDFkT9OdizlZ18Y+mkhC9
        fdQ6VC7QT3Fc6upMRvAxSeI1rwKBgQDce+hCLEjb67AspsuMxeSnZzVaKkQqxIWh
        20HIeIN0ZtXEZfKVkAQqc4U4YHMAmos/mKyMQ4cx6C0lxcztq9cDCSWL/KD38F/O
        t4gwDwReUUIkFeeYqt5m+eP3N+yj4WmO78FKfyKUIlLQGLwdYVA5BULY/3U6oJ/2
        yOYUfAV8IQKBgQCHT9Z7BRMafJ9fcbPUu6Ugk2Wp8u/D0l76VHG/mLfIYaGmbPRf
        vg3BrNSZc4fHaoWChYZxXn4GQFDWIzhYwbakaAq61o5ogCNXlKQ8EWZY1xhwfrHc
        RxTBwOzN8+org3g8O+gBskhYpwucRL7jE6qZzRSE7QbsczKyu1RVr2ekQwKBgQCF
        ZYYxOx/dxuwxJ70xb62Wxu/VnIrfoUUEl2ZmhttpuqoNCG1LpfWPRZNNd7U8oUQs
        dw+2UUjjnghquRDynywYTxljZ7ZwLAObSxlfkkZfViSBNquHh6HFhd0x/qjywfee
        nlpA20itfVLDSqPN1sm1pgQ6y9w+W15M7mGd9SdQYQKBgG8YGtebVLiuULomdu4L
        42WNFij+G97IoE5LVoIICfP4jPrwbXnbVZaJT/LNSUcX2nxadPV0z2j9sPE/AoNP
        gtBYAoQSRhZvqJ+ZerAHBiT+nJIGvek/9WmXLQTzjBtg6CyTgehoIIlnoFVcuhND
        WZrHNVPkChMCnN7NDUQTwIzQ
        -----END PRIVATE KEY-----
        """
}

/// Arbitrary claims for signing with jwt-kit in tests.
struct JWKSClaims: JWTPayload {
    let strings: [String: String]
    let numbers: [String: Int]

    init(claims: [String: Any]) {
        strings = claims.compactMapValues { $0 as? String }
        numbers = claims.compactMapValues { ($0 as? Double).map { Int($0) } }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in strings { try c.encode(v, forKey: Key(k)) }
        for (k, v) in numbers { try c.encode(v, forKey: Key(k)) }
    }

    init(from decoder: any Decoder) throws {
        strings = [:]
        numbers = [:]
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
