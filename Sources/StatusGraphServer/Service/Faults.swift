import ODataCore
import Synchronization

/// The fault rules of each tenant (`FaultRule`), kept in memory per instance, like throttling: a test
/// sets its tenant's rules and meets them on the instance it talks to. Rules apply in the order they
/// were given; the first that matches a request and comes up (its probability) is the one it meets, and
/// counts one of its times.
final class Faults: Sendable {
    static let maxRulesPerTenant = 100
    static let maxTenants = 10_000

    private let rules = Mutex<[String: [FaultRule]]>([:])

    /// What a request met: a wait, then an answer instead of its own (or its own, when nil).
    struct Met {
        let latency: Duration
        let response: ServiceResponse?
    }

    func rules(of tenant: String) -> [FaultRule] {
        rules.withLock { $0[tenant] ?? [] }
    }

    /// Sets a tenant's rules (none removes them).
    func set(_ new: [FaultRule], of tenant: String) throws(ODataError) {
        _ = try update(tenant) { $0 = new }
    }

    /// Changes a tenant's rules in one step (no request meets them half changed, and none of their
    /// counts is lost meanwhile); returns them as they then are.
    func update(_ tenant: String, _ change: (inout [FaultRule]) -> Void) throws(ODataError) -> [FaultRule] {
        let outcome = rules.withLock { rules -> Result<[FaultRule], ODataError> in
            var list = rules[tenant] ?? []
            change(&list)
            guard list.count <= Self.maxRulesPerTenant else {
                return .failure(.badRequest("A tenant has at most \(Self.maxRulesPerTenant) fault rules; these are \(list.count)."))
            }
            guard !list.isEmpty else {
                rules[tenant] = nil
                return .success([])
            }
            guard rules[tenant] != nil || rules.count < Self.maxTenants else {
                return .failure(.badRequest("Fault rules are kept for at most \(Self.maxTenants) tenants; remove some first."))
            }
            rules[tenant] = list
            return .success(list)
        }
        return try outcome.get()
    }

    /// The rule a request of `tenant` meets, if any; `roll` draws a number in [0, 1).
    func meet(
        tenant: String, method: ServiceRequest.Method, path: Substring, roll: () -> Double = { Double.random(in: 0..<1) }
    ) -> Met? {
        rules.withLock { rules -> Met? in
            guard var list = rules[tenant] else { return nil }
            for i in list.indices where list[i].matches(method, path: path) {
                guard list[i].probability >= 1 || roll() < list[i].probability else { continue }
                let met = Met(latency: list[i].latency, response: list[i].response)
                if let count = list[i].count {
                    if count > 1 { list[i].count = count - 1 } else { list.remove(at: i) }
                    rules[tenant] = list.isEmpty ? nil : list
                }
                return met
            }
            return nil
        }
    }
}
