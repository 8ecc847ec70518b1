/// How tokens are checked. Defaults accept Graph's audiences and Microsoft identity platform issuers.
public struct IdentityConfiguration: Sendable {
    /// `aud` values accepted.
    public var audiences: [String] = [
        "https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000",
    ]
    /// `iss` values accepted; `{tenantid}` stands for the token's `tid`.
    public var issuers: [String] = [
        "https://sts.windows.net/{tenantid}/", "https://login.microsoftonline.com/{tenantid}/v2.0",
    ]
    /// The HS256 secret of locally minted tokens (from the data directory); nil accepts none.
    public var hmacSecret: [UInt8]?
    /// A JSON Web Key Set file (RS256/ES256 keys), read at start.
    public var jwksFile: String?
    /// A JSON Web Key Set URL (HTTPS), fetched at start, refreshed periodically and when an unknown key id appears.
    public var jwksURL: String?
    /// Seconds between scheduled JWKS refreshes.
    public var jwksRefreshInterval: Double = 3600
    /// Tenants that hold no Intune licence: their requests get 403.
    public var unlicensedTenants: Set<String> = []
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    public var clockSkew: Double = 300

    public init() {}
}
