import Foundation
import Crypto
import JWTKit

/// Mints access tokens for local development and tests, signed (HS256) with the secret a data directory
/// keeps in `token-signing-key`, created on first use. Their claims look like Microsoft identity
/// platform tokens: `aud` Graph, `iss` `https://sts.windows.net/{tid}/`, `tid`, `appid`, `scp` or `roles`.
public struct TokenIssuer: Sendable {
    public let secret: [UInt8]

    public init(secret: [UInt8]) { self.secret = secret }

    /// The secret of a data directory, created (0600) if missing.
    public static func secret(dataDirectory: String) throws -> [UInt8] {
        let path = (dataDirectory as NSString).appendingPathComponent("token-signing-key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count >= 32 {
            return [UInt8](data)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((Data(bytes).base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw IdentityError("cannot write \(path)") }
        return bytes
    }

    /// The default tenant of a fresh data directory.
    public static let developmentTenant = "00000000-0000-0000-0000-000000000001"

    /// The calling application (`appid`) of tokens minted here unless another is named.
    public static let developmentApplication = "00000000-0000-0000-0000-00000000a991"

    public func token(
        tenant: String = developmentTenant, scopes: [String] = [], roles: [String] = [], user: String? = nil,
        expiresIn: TimeInterval = 3600, notBefore: Date? = nil, audience: String = "https://graph.microsoft.com",
        issuer: String? = nil, application: String = developmentApplication
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
        // Whole seconds, as Entra ID writes `exp`, `nbf` and `iat` (JSON integers): some clients' token
        // readers take them as integers and reject a fraction.
        let now = Self.wholeSeconds(Date())
        let expiresIn = expiresIn.rounded(.down)
        let claims = AccessTokenClaims(
            aud: AudienceClaim(value: [audience]), iss: IssuerClaim(value: issuer ?? "https://sts.windows.net/\(tenant)/"),
            exp: ExpirationClaim(value: now.addingTimeInterval(expiresIn)), nbf: NotBeforeClaim(value: notBefore.map(Self.wholeSeconds) ?? now.addingTimeInterval(-60)),
            iat: IssuedAtClaim(value: now), tid: tenant, scp: scopes.isEmpty ? nil : scopes.joined(separator: " "),
            roles: roles.isEmpty ? nil : roles, upn: roles.isEmpty ? (user ?? "developer@statusgraph.local") : nil,
            unique_name: nil, preferred_username: nil, oid: UUID().uuidString.lowercased(), appid: application, azp: nil,
            idtyp: roles.isEmpty ? "user" : "app")
        return try await keys.sign(claims)
    }

    private static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
