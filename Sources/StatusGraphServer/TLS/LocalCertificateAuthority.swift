import Crypto
import Foundation
import SwiftASN1
import X509

/// `--tls auto`: a certificate authority of the data directory's own (`tls/ca.pem`, created once, valid
/// ten years) and a server certificate it signs for `localhost`, `127.0.0.1` and `::1` (renewed when it
/// nears its end). Clients trust `tls/ca.pem` (curl `--cacert`, Python `verify=`, `REQUESTS_CA_BUNDLE`).
public struct LocalCertificateAuthority: Sendable {
    public let directory: String
    public var caCertificatePath: String { path("ca.pem") }
    public var serverCertificatePath: String { path("server.pem") }
    public var serverKeyPath: String { path("server-key.pem") }
    private var caKeyPath: String { path("ca-key.pem") }

    public init(dataDirectory: String) {
        directory = (dataDirectory as NSString).appendingPathComponent("tls")
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Creates what is missing or about to expire; returns the paths of the server's certificate and key.
    @discardableResult
    public func prepare(now: Date = Date()) throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (caCertificate, caKey) = try loadOrCreateCA(now: now)
        if let pem = try? String(contentsOfFile: serverCertificatePath, encoding: .utf8),
            let existing = try? Certificate(pemEncoded: pem), existing.notValidAfter > now.addingTimeInterval(30 * 86_400),
            existing.issuer == caCertificate.subject, FileManager.default.fileExists(atPath: serverKeyPath)
        {
            return (serverCertificatePath, serverKeyPath)
        }
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("StatusGraph")
            CommonName("localhost")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: caCertificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 15) + [1])),
                ])
            },
            issuerPrivateKey: .init(caKey))
        try write(try certificate.serializeAsPEM().pemString, to: serverCertificatePath, private: false)
        try write(key.pemRepresentation, to: serverKeyPath, private: true)
        return (serverCertificatePath, serverKeyPath)
    }

    private func loadOrCreateCA(now: Date) throws -> (Certificate, P256.Signing.PrivateKey) {
        if let pem = try? String(contentsOfFile: caCertificatePath, encoding: .utf8), let certificate = try? Certificate(pemEncoded: pem),
            let keyPEM = try? String(contentsOfFile: caKeyPath, encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM), certificate.notValidAfter > now
        {
            return (certificate, key)
        }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("StatusGraph")
            CommonName("StatusGraph local CA \(UUID().uuidString.prefix(8))")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        try write(try certificate.serializeAsPEM().pemString, to: caCertificatePath, private: false)
        try write(key.pemRepresentation, to: caKeyPath, private: true)
        // A new CA invalidates the server certificate it did not sign.
        try? FileManager.default.removeItem(atPath: serverCertificatePath)
        return (certificate, key)
    }

    private func write(_ text: String, to path: String, private isPrivate: Bool) throws {
        guard FileManager.default.createFile(
            atPath: path, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: isPrivate ? 0o600 : 0o644])
        else { throw IdentityError("cannot write \(path)") }
    }
}
