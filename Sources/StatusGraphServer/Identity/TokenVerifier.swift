import Foundation
import Crypto
import JWTKit
import ODataCore
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Checks bearer tokens as Graph does and says, in a 401, which check failed: the signature (HS256 with
/// the data directory's secret; RS256/ES256 with keys from a JWKS file or URL, refreshed on schedule
/// and when a token names a key id not yet known), the lifetime, the audience, the issuer and the tenant.
public actor TokenVerifier {
    private let configuration: IdentityConfiguration
    private var keys: JWTKeyCollection
    /// The key ids of the JWKS keys loaded.
    private var keyIDs: Set<String> = []
    private var fetchedAt: Date?
    private var lastUnknownKeyFetch: Date?
    /// Tokens verified lately: a client sends the same token for an hour, and checking its signature
    /// and claims each time costs more than the rest of a small request. Kept until the token expires
    /// or five minutes pass, whichever comes first; at most `cacheLimit` entries. Behind a lock, not
    /// the actor, so that a known token is answered without hopping to the actor.
    private nonisolated let verified = Mutex<[String: (identity: Identity, until: Date)]>([:])
    private nonisolated let cacheLimit = 10_000

    public init(configuration: IdentityConfiguration) async throws {
        self.configuration = configuration
        self.keys = JWTKeyCollection()
        let remote = try await Self.fetchJWKS(configuration)
        self.keys = try await Self.makeKeys(configuration, remoteJWKS: remote)
        self.keyIDs = Self.keyIDs(configuration, remoteJWKS: remote, unreadable: [])
        if configuration.jwksURL != nil { fetchedAt = Date() }
    }

    /// The `kid`s of the keys loaded: the fetched JWKS's (`unreadable` when there is none or it cannot be
    /// read) and the JWKS file's.
    private static func keyIDs(_ configuration: IdentityConfiguration, remoteJWKS: String?, unreadable: Set<String>) -> Set<String> {
        var ids = keyIDs(in: remoteJWKS) ?? unreadable
        if let file = configuration.jwksFile { ids.formUnion(keyIDs(in: try? String(contentsOfFile: file, encoding: .utf8)) ?? []) }
        return ids
    }

    /// The `kid`s of a JWKS document.
    private static func keyIDs(in jwks: String?) -> Set<String>? {
        guard let jwks, let object = try? JSONSerialization.jsonObject(with: Data(jwks.utf8)) as? [String: Any],
            let keys = object["keys"] as? [[String: Any]]
        else { return nil }
        return Set(keys.compactMap { $0["kid"] as? String })
    }

    private static func makeKeys(_ configuration: IdentityConfiguration, remoteJWKS: String?) async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        if let secret = configuration.hmacSecret {
            await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
        }
        if let file = configuration.jwksFile {
            let json: String
            do {
                json = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw IdentityError("cannot read the JWKS file \(file): \(error.localizedDescription)")
            }
            do { try await keys.add(jwksJSON: json) } catch { throw IdentityError("the JWKS file \(file) is not a valid key set: \(error)") }
        }
        if let remoteJWKS {
            do { try await keys.add(jwksJSON: remoteJWKS) } catch { throw IdentityError("the JWKS at \(configuration.jwksURL ?? "") is not a valid key set: \(error)") }
        }
        return keys
    }

    private static func fetchJWKS(_ configuration: IdentityConfiguration) async throws -> String? {
        guard let text = configuration.jwksURL else { return nil }
        guard let url = URL(string: text), url.scheme == "https" || url.host == "127.0.0.1" || url.host == "localhost" else {
            throw IdentityError("--jwks-url must be an https URL: \(text)")
        }
        do {
            let (data, response) = try await URLSession.shared.data(from: url)
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                throw IdentityError("fetching the JWKS at \(text) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            return String(decoding: data, as: UTF8.self)
        } catch let e as IdentityError {
            throw e
        } catch {
            throw IdentityError("cannot fetch the JWKS at \(text): \(error.localizedDescription)")
        }
    }

    /// Re-reads the JWKS URL; keeps the current keys when that fails.
    private func refresh() async {
        guard let remote = try? await Self.fetchJWKS(configuration), let fresh = try? await Self.makeKeys(configuration, remoteJWKS: remote)
        else { return }
        keys = fresh
        keyIDs = Self.keyIDs(configuration, remoteJWKS: remote, unreadable: keyIDs)
        fetchedAt = Date()
    }

    /// The identity an `Authorization` header proves, or the 401 that says why it proves none.
    public nonisolated func identity(authorization: String?) async throws(ODataError) -> Identity {
        if let authorization {
            let hit = verified.withLock { cache -> Identity? in
                guard let hit = cache[authorization] else { return nil }
                if hit.until > Date() { return hit.identity }
                cache[authorization] = nil
                return nil
            }
            if let hit { return hit }
        }
        return try await verify(authorization: authorization)
    }

    /// Checks a token not in the cache (on the actor: it may refresh the keys).
    private func verify(authorization: String?) async throws(ODataError) -> Identity {
        guard let header = authorization?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw Self.unauthorized("Access token is empty.")
        }
        if header.lowercased() == "bearer" { throw Self.unauthorized("Access token is empty.") }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw Self.unauthorized("The Authorization header must be 'Bearer <access token>'.")
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.header(of: parts[0]), let algorithm = header["alg"] as? String else {
            throw Self.unauthorized("CompactToken parsing failed with error code: 80049217")
        }
        guard Self.acceptedAlgorithms.contains(algorithm) else {
            throw Self.unauthorized("Access token validation failure: the signing algorithm '\(algorithm)' is not accepted.")
        }
        if configuration.jwksURL != nil {
            if let fetchedAt, Date().timeIntervalSince(fetchedAt) > configuration.jwksRefreshInterval {
                await refresh()
            } else if let kid = header["kid"] as? String, !keyIDs.contains(kid),
                lastUnknownKeyFetch.map({ Date().timeIntervalSince($0) > 60 }) ?? true
            {
                // A key id not seen yet: the issuer may have rotated its keys (at most one fetch a minute).
                lastUnknownKeyFetch = Date()
                await refresh()
            }
        }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Self.failure(error)
        }
        let identity = try check(claims)
        if let authorization, let exp = claims.exp?.value {
            let until = min(exp.addingTimeInterval(configuration.clockSkew), Date().addingTimeInterval(300))
            verified.withLock { cache in
                if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[authorization] = (identity, until)
            }
        }
        return identity
    }

    /// Signing algorithms accepted: HMAC for locally minted tokens, RSA and ECDSA for issuers' keys.
    static let acceptedAlgorithms: Set<String> = ["HS256", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]

    /// A token's header, or nil when it is not readable.
    private static func header(of part: Substring) -> [String: Any]? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    private static func failure(_ error: any Error) -> ODataError {
        guard let jwt = error as? JWTError else {
            return unauthorized("Access token validation failure: the token cannot be read.")
        }
        switch jwt.errorType {
        case .signatureVerificationFailed:
            return unauthorized("Access token validation failure: the signature is invalid.")
        case .unknownKID, .missingKIDHeader, .noKeyProvided:
            return unauthorized("Access token validation failure: the token is not signed with a trusted key.")
        case .unsupportedAlgorithm:
            return unauthorized("Access token validation failure: the signing algorithm is not accepted.")
        default:
            return unauthorized("CompactToken parsing failed with error code: 80049217")
        }
    }

    private func check(_ claims: AccessTokenClaims) throws(ODataError) -> Identity {
        let now = Date()
        guard let exp = claims.exp?.value else { throw Self.unauthorized("Access token validation failure: the token has no expiry (exp).") }
        guard exp.addingTimeInterval(configuration.clockSkew) > now else {
            throw Self.unauthorized("Lifetime validation failed, the token is expired.")
        }
        if let nbf = claims.nbf?.value, nbf.addingTimeInterval(-configuration.clockSkew) > now {
            throw Self.unauthorized("Lifetime validation failed, the token is not yet valid.")
        }
        guard let audiences = claims.aud?.value, audiences.contains(where: configuration.audiences.contains) else {
            throw Self.unauthorized("Access token validation failure. Invalid audience.")
        }
        guard let tenant = claims.tid?.lowercased(), !tenant.isEmpty else {
            throw Self.unauthorized("Access token validation failure: the token names no tenant (tid).")
        }
        let issuers = configuration.issuers.map { $0.replacingOccurrences(of: "{tenantid}", with: tenant) }
        guard let issuer = claims.iss?.value, issuers.contains(where: { $0.caseInsensitiveCompare(issuer) == .orderedSame }) else {
            throw Self.unauthorized("Access token validation failure. Invalid issuer.")
        }
        let scopes = Set((claims.scp ?? "").split(separator: " ").map(String.init))
        return Identity(
            tenant: tenant, scopes: scopes, roles: Set(claims.roles ?? []),
            user: claims.upn ?? claims.unique_name ?? claims.preferred_username, application: claims.appid ?? claims.azp)
    }

    static func unauthorized(_ message: String) -> ODataError {
        ODataError(.unauthorized, code: "InvalidAuthenticationToken", message: message)
    }
}

/// An identity setting that cannot work (an unreadable key file, an unreachable JWKS), found at start.
public struct IdentityError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
