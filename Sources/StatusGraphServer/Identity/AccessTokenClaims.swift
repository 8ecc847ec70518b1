import JWTKit

/// The claims of a Microsoft identity platform access token that StatusGraph reads.
/// Signature checking is jwt-kit's; the claims are checked by `TokenVerifier`, which says which one failed.
struct AccessTokenClaims: JWTPayload, Equatable {
    var aud: AudienceClaim?
    var iss: IssuerClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var tid: String?
    var scp: String?
    var roles: [String]?
    var upn: String?
    var unique_name: String?
    var preferred_username: String?
    var oid: String?
    var appid: String?
    var azp: String?
    var idtyp: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
