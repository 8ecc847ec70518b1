import ODataCore

extension ODataService {
    /// The methods `/_statusgraph/faults` takes.
    static let faultRuleMethods: [ServiceRequest.Method] = [.get, .put, .post, .delete]

    /// `/_statusgraph/faults`: the caller's tenant's fault rules (`FaultRule`), as LocalStack's chaos API
    /// keeps its faults. GET lists them, PUT replaces them, POST adds to them (a rule or an array of
    /// rules in the body), DELETE removes them; each but DELETE answers the rules then in force. Reading
    /// them needs the permission to read every top-level collection, changing them the permission to
    /// update every one: they change what every request of the tenant meets.
    public func faultRules(_ method: ServiceRequest.Method, body: [UInt8], contentType: String?, identity: Identity) -> ServiceResponse {
        guard let faults else { return ServiceResponse(error: .notFound("Fault injection is off: start the server with --allow-faults.")) }
        do {
            for table in store.layout.tables where table.path.count == 1 {
                try require(method == .get ? .read : .update, path: table.path, identity: identity)
            }
            let rules: [FaultRule]
            switch method {
            case .get:
                rules = faults.rules(of: identity.tenant)
            case .delete:
                try faults.set([], of: identity.tenant)
                return ServiceResponse(status: 204)
            case .put, .post:
                let given = try Self.readRules(body, contentType: contentType, maxDepth: limits.maxJSONDepth)
                rules = try faults.update(identity.tenant) { method == .put ? ($0 = given) : ($0 += given) }
                logger.info("fault rules of tenant \(identity.tenant): \(rules.count)")
            case .patch:
                return ServiceResponse(
                    error: .methodNotAllowed(method.rawValue, path: "/_statusgraph/faults", allowed: Self.faultRuleMethods.map(\.rawValue)))
            }
            return json(200) { w in
                w.beginObject()
                w.key("value")
                w.beginArray()
                for rule in rules { rule.write(to: &w) }
                w.endArray()
                w.endObject()
            }
        } catch {
            return response(for: error)
        }
    }

    private static func readRules(_ body: [UInt8], contentType: String?, maxDepth: Int) throws(ODataError) -> [FaultRule] {
        let value = try JSONBody.parse(body, contentType: contentType, maxDepth: maxDepth)
        switch value {
        case .array(let items):
            var rules: [FaultRule] = []
            for (i, item) in items.enumerated() { rules.append(try FaultRule(json: item, target: "rules[\(i)]")) }
            return rules
        case .object:
            return [try FaultRule(json: value, target: "rule")]
        case .null, .bool, .number, .string:
            throw .badRequest("The body must be a fault rule or an array of them, not \(value.typeNameWithArticle).")
        }
    }

    /// The fault a request meets, if the tenant has rules: waits its latency, then returns its answer
    /// (nil: the request goes on).
    func meetFault(_ identity: Identity, method: ServiceRequest.Method, path: Substring) async -> ServiceResponse? {
        guard let met = faults?.meet(tenant: identity.tenant, method: method, path: path) else { return nil }
        if met.latency > .zero { try? await Task.sleep(for: met.latency) }
        return met.response
    }
}
