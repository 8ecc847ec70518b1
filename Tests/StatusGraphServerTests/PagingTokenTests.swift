import Crypto
import Foundation
import Testing

@testable import StatusGraphServer

/// Paging tokens name their query by a fingerprint; it must stay what earlier versions computed (the
/// first 12 bytes of SHA-256, each in hexadecimal without a leading zero), or the tokens in the
/// nextLinks clients hold would stop working across an upgrade. Their payload round-trips every key kind.
@Suite struct PagingTokenTests {
    @Test(arguments: [
        ("00000000-0000-0000-0000-000000000001", "beta", "deviceAppManagement/mobileApps('a')/deviceStatuses", nil, nil),
        ("t", "v1.0", "deviceAppManagement/mobileApps", "installState eq 'failed'", "deviceName desc"),
        ("", "", "", "", ""),
        ("tenant", "beta", "deviceAppManagement/mobileApps('é')/userStatuses/microsoft.graph.userAppInstallStatus", "contains(userName,'ü')", nil),
    ] as [(String, String, String, String?, String?)])
    func fingerprintIsTheOneEarlierVersionsWrote(_ tenant: String, _ version: String, _ path: String, _ filter: String?, _ orderBy: String?) {
        let text = [tenant, version, path, filter ?? "", orderBy ?? ""].joined(separator: "\u{1F}")
        let earlier = SHA256.hash(data: Array(text.utf8)).prefix(12).map { String($0, radix: 16) }.joined()
        #expect(ODataService.fingerprint(tenant: tenant, version: version, path: path, filter: filter, orderBy: orderBy) == earlier)
    }

    @Test func payloadRoundTripsEveryKeyKind() {
        let token = PagingToken(
            keys: [.null, .integer(-42), .real(1.5), .text("a\"b"), .boolean(true), .blob([0, 255, 7])], returned: 150, fingerprint: "ab12")
        #expect(PagingToken(payload: token.payload()) == token)
        let sized = PagingToken(keys: [.text("x")], returned: 2, fingerprint: "ab12", pageSize: 25)
        #expect(PagingToken(payload: sized.payload()) == sized)
        #expect(PagingToken(payload: Array("{\"q\":\"ab12\",\"n\":1,\"s\":0,\"k\":[]}".utf8)) == nil)
        #expect(PagingToken(payload: Array("{\"q\":\"ab12\",\"n\":1,\"k\":[\"z1\"]}".utf8)) == nil)
    }
}
