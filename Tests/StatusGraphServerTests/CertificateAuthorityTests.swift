import Foundation
import StatusGraphServer
import Testing
import X509

/// `--tls auto`: a CA of the data directory's own and a server certificate for localhost it signs.
@Suite struct CertificateAuthorityTests {
    @Test func createsReusesAndRenews() async throws {
        try await withDataDirectory { dir in
            let authority = LocalCertificateAuthority(dataDirectory: dir)
            let first = try authority.prepare()
            let ca = try Certificate(pemEncoded: try String(contentsOfFile: authority.caCertificatePath, encoding: .utf8))
            let server = try Certificate(pemEncoded: try String(contentsOfFile: first.certificate, encoding: .utf8))
            #expect(server.issuer == ca.subject)
            #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
            let names = try #require(try server.extensions.subjectAlternativeNames)
            #expect(names.contains(.dnsName("localhost")))
            #expect(names.count == 3)
            #expect(try server.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
            let keyMode = try FileManager.default.attributesOfItem(atPath: first.key)[.posixPermissions] as? Int
            #expect(keyMode == 0o600)

            // Kept while valid; renewed, by the same CA, when it nears its end.
            _ = try authority.prepare()
            #expect(try String(contentsOfFile: first.certificate, encoding: .utf8) == server.serializeAsPEM().pemString + "\n")
            _ = try authority.prepare(now: Date().addingTimeInterval(380 * 86_400))
            let renewed = try Certificate(pemEncoded: try String(contentsOfFile: first.certificate, encoding: .utf8))
            #expect(renewed.serialNumber != server.serialNumber)
            #expect(renewed.issuer == ca.subject)
        }
    }
}
