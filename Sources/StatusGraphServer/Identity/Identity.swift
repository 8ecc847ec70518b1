/// Who a request acts for, as its verified bearer token says.
public struct Identity: Sendable, Equatable {
    /// The tenant (`tid`): every row read or written belongs to it.
    public let tenant: String
    /// Delegated permissions (`scp`, space separated in the token).
    public let scopes: Set<String>
    /// Application permissions (`roles`).
    public let roles: Set<String>
    /// The signed-in user, for delegated tokens (`upn`, `unique_name` or `preferred_username`).
    public let user: String?
    /// The calling application (`appid` in v1.0 tokens, `azp` in v2.0 ones), which throttling counts by.
    public let application: String?

    public init(tenant: String, scopes: Set<String> = [], roles: Set<String> = [], user: String? = nil, application: String? = nil) {
        self.tenant = tenant
        self.scopes = scopes
        self.roles = roles
        self.user = user
        self.application = application
    }

    /// Whether the token grants `permission`, as a delegated scope or an application role.
    public func has(_ permission: String) -> Bool { scopes.contains(permission) || roles.contains(permission) }

    /// The tenant of personal Microsoft accounts, which Intune does not support.
    public static let consumerTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
}
