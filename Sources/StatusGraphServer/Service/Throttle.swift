import Foundation
import Synchronization

/// Graph's throttling, for clients to meet it before production does: request limits per tenant and
/// per calling application within a tenant, over all requests or writes only, as Intune documents them
/// for `deviceAppManagement` (`intune`: any request 2,000 per 20 s per tenant and 1,000 per 20 s per
/// application in a tenant; POST, PUT, PATCH and DELETE 200 and 100). Off unless the server is told.
public struct ThrottlePolicy: Sendable, Equatable, CustomStringConvertible {
    /// Whose requests a limit counts together.
    public enum Scope: String, Sendable, CaseIterable {
        /// All of a tenant's requests.
        case tenant
        /// A tenant's requests from one application (the token's `appid`, or `azp`).
        case app
    }

    public struct Limit: Sendable, Equatable {
        public var scope: Scope
        /// Only POST, PUT, PATCH and DELETE count (and are refused past it); otherwise every request.
        public var writesOnly: Bool
        public var requests: Int
        public var window: Duration

        public init(scope: Scope, writesOnly: Bool, requests: Int, window: Duration) {
            self.scope = scope
            self.writesOnly = writesOnly
            self.requests = requests
            self.window = window
        }

        /// As written in a policy: `app-writes=100/20s`.
        var name: String { scope.rawValue + (writesOnly ? "-writes" : "") }

        /// Requests a second the limit gives back.
        var perSecond: Double { Double(requests) / seconds(window) }
    }

    public var limits: [Limit]

    public init(limits: [Limit]) { self.limits = limits }

    /// Intune's documented limits for its applications' resources (Graph's throttling-limits page).
    public static let intune = ThrottlePolicy(limits: [
        Limit(scope: .tenant, writesOnly: false, requests: 2000, window: .seconds(20)),
        Limit(scope: .app, writesOnly: false, requests: 1000, window: .seconds(20)),
        Limit(scope: .tenant, writesOnly: true, requests: 200, window: .seconds(20)),
        Limit(scope: .app, writesOnly: true, requests: 100, window: .seconds(20)),
    ])

    /// The most windows' worth of limits a policy may name: one per scope and kind.
    static let maxLimits = 4

    /// `intune`, or limits such as `app-writes=5/10s,tenant=100/1s`: a name (`tenant`, `app`, each
    /// optionally `-writes`) and requests per window, the window in whole seconds (`s`) or minutes (`m`).
    public init(parsing text: String) throws(PolicyError) {
        if text == "intune" {
            self = .intune
            return
        }
        var limits: [Limit] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingCharacters(in: .whitespaces)
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw PolicyError("'\(item)' is not name=requests/window, e.g. app-writes=100/20s") }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let writesOnly = name.hasSuffix("-writes")
            guard let scope = Scope(rawValue: writesOnly ? String(name.dropLast("-writes".count)) : name) else {
                throw PolicyError("'\(name)' is not a limit: tenant, app, tenant-writes or app-writes")
            }
            guard !limits.contains(where: { $0.scope == scope && $0.writesOnly == writesOnly }) else {
                throw PolicyError("'\(name)' is given twice")
            }
            let rate = parts[1].split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard rate.count == 2, let requests = Int(rate[0]), (1...1_000_000).contains(requests) else {
                throw PolicyError("'\(item)': the requests must be a whole number from 1 to 1000000, as in \(name)=100/20s")
            }
            let unit = rate[1].last
            guard let count = Int(rate[1].dropLast()), (1...3600).contains(count), unit == "s" || unit == "m",
                unit == "s" || count <= 60
            else {
                throw PolicyError("'\(item)': the window must be 1s to 3600s (or 1m to 60m), as in \(name)=100/20s")
            }
            limits.append(Limit(scope: scope, writesOnly: writesOnly, requests: requests, window: .seconds(unit == "m" ? count * 60 : count)))
        }
        self.limits = limits
    }

    public var description: String {
        self == .intune
            ? "intune"
            : limits.map { "\($0.name)=\($0.requests)/\($0.window.components.seconds)s" }.joined(separator: ",")
    }

    public struct PolicyError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// The state of a `ThrottlePolicy`: a token bucket per limit and tenant (and application, for `app`
/// limits). A bucket holds up to a window's requests and refills at that rate, so a client may spend
/// a window's worth at once and then as fast as the limit allows; a request refused by one limit is
/// counted by none (it did nothing), and its `Retry-After` is when every limit it met will take it.
/// Kept in memory, per instance: instances behind one load balancer each throttle on their own.
final class Throttle: Sendable {
    let policy: ThrottlePolicy

    private struct Key: Hashable {
        let limit: Int
        let tenant: String
        let application: String
    }

    private struct Bucket {
        /// Requests it would take now, as of `updated` (fractions accrue between requests).
        var available: Double
        var updated: ContinuousClock.Instant

        /// The bucket at `now`: refilled at `limit`'s rate since `updated`, up to its capacity.
        func refilled(_ limit: ThrottlePolicy.Limit, at now: ContinuousClock.Instant) -> Bucket {
            let capacity = Double(limit.requests)
            return Bucket(available: min(capacity, available + seconds(updated.duration(to: now)) * limit.perSecond), updated: now)
        }
    }

    private let buckets = Mutex<[Key: Bucket]>([:])

    /// Buckets kept before the full ones (which hold nothing a new bucket would not) are dropped.
    static let maxBuckets = 10_000

    init(policy: ThrottlePolicy) {
        self.policy = policy
    }

    /// A request refused: the limit that will take it last, and when.
    struct Refusal: Equatable {
        let limit: ThrottlePolicy.Limit
        let retryAfter: Duration
    }

    /// Counts a request of `identity` (a write or not) at `now`, or refuses it.
    func admit(_ identity: Identity, isWrite: Bool, now: ContinuousClock.Instant = .now) -> Refusal? {
        let application = identity.application ?? ""
        return buckets.withLock { buckets -> Refusal? in
            var met: [(key: Key, bucket: Bucket)] = []
            var refusal: Refusal?
            for (index, limit) in policy.limits.enumerated() where isWrite || !limit.writesOnly {
                let key = Key(limit: index, tenant: identity.tenant, application: limit.scope == .app ? application : "")
                let bucket = (buckets[key] ?? Bucket(available: Double(limit.requests), updated: now)).refilled(limit, at: now)
                if bucket.available < 1 {
                    let wait = Duration.seconds((1 - bucket.available) / limit.perSecond)
                    if wait > refusal?.retryAfter ?? .zero { refusal = Refusal(limit: limit, retryAfter: wait) }
                }
                met.append((key, bucket))
            }
            if let refusal { return refusal }
            if buckets.count + met.count > Self.maxBuckets { Self.dropFull(&buckets, policy: policy, now: now) }
            for (key, var bucket) in met {
                bucket.available -= 1
                buckets[key] = bucket
            }
            return nil
        }
    }

    /// Forgets what a tenant spent (its store was reset).
    func forget(tenant: String) {
        buckets.withLock { buckets in buckets = buckets.filter { $0.key.tenant != tenant } }
    }

    /// How many buckets are kept (for tests of the bound).
    var bucketCount: Int { buckets.withLock { $0.count } }

    private static func dropFull(_ buckets: inout [Key: Bucket], policy: ThrottlePolicy, now: ContinuousClock.Instant) {
        buckets = buckets.filter { key, bucket in
            let limit = policy.limits[key.limit]
            return bucket.refilled(limit, at: now).available < Double(limit.requests)
        }
    }
}

/// A duration in seconds, with its fraction.
private func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}
