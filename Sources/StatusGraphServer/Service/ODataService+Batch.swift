import Foundation
import ODataCore
import Storage

/// JSON batching (`POST /{version}/$batch`), as Graph does it: up to 20 requests, unique ids,
/// relative URLs, `dependsOn` ordering (a request whose dependency failed gets 424), each response
/// with `id`, `status`, `headers` and `body`. Inner requests go through the same pipeline as direct
/// ones; the batch itself answers 200 once it parses.
extension ODataService {
    struct BatchPart {
        let id: String
        /// The id lower-cased: ids and `dependsOn` match without regard to case.
        let key: String
        let method: ServiceRequest.Method
        let url: String
        let contentType: String?
        let accept: String?
        let prefer: String?
        let body: JSONValue?
        /// The keys of the parts this one waits for, and the ids as written (for messages).
        let dependsOn: [String]
        let dependsOnAsWritten: [String]
    }

    func batch(_ r: ServiceRequest) async throws -> ServiceResponse {
        let waves = try batchWaves(batchParts(readJSON(r), version: r.version))
        var results: [String: ServiceResponse] = [:]
        var order: [String] = []
        // The requests of one wave run concurrently (Graph, too, runs requests without dependsOn in any
        // order), so their writes share commits. A request whose dependency failed gets 424.
        for wave in waves {
            var runnable: [(key: String, request: ServiceRequest)] = []
            // The requests of a wave run at once: a wave waits as long as the longest fault latency its
            // requests met.
            var latency: Duration = .zero
            for part in wave {
                let key = part.key
                order.append(part.id)
                if part.dependsOn.contains(where: { dep in !(200..<300).contains(results[dep]!.status) }) {
                    results[key] = ServiceResponse(
                        error: ODataError(.failedDependency, code: "FailedDependency", message: "A request this one depends on failed."))
                    continue
                }
                let request = inner(part, outer: r)
                if request.path.utf8.starts(with: "/$batch".utf8) {
                    results[key] = ServiceResponse(error: .badRequest("A batch cannot contain another batch."))
                    continue
                }
                if let refused = admit(r.identity, method: request.method) {
                    results[key] = refused  // each request of a batch is throttled on its own, as in Graph
                    continue
                }
                if let met = faults?.meet(tenant: r.identity.tenant, method: request.method, path: request.path) {
                    latency = max(latency, met.latency)
                    if let response = met.response {
                        results[key] = response
                        continue
                    }
                }
                runnable.append((key, request))
            }
            if latency > .zero { try? await Task.sleep(for: latency) }
            // Creates in one collection (POSTs with a body to the same path, answered in the same format) are
            // bound once and stored in one statement; every other request goes through the pipeline on its own.
            var creates: [CreateGroup: [(key: String, request: ServiceRequest)]] = [:]
            var singles: [(key: String, request: ServiceRequest)] = []
            for part in runnable {
                if part.request.method == .post, part.request.query == nil, part.request.parsedBody != nil {
                    creates[CreateGroup(path: part.request.path, accept: part.request.accept), default: []].append(part)
                } else {
                    singles.append(part)
                }
            }
            await withTaskGroup(of: [(String, ServiceResponse)].self) { group in
                for (key, request) in singles {
                    group.addTask { [(key, await handle(request))] }
                }
                for parts in creates.values {
                    group.addTask { Array(zip(parts.map(\.key), await createAll(parts.map(\.request)))) }
                }
                for await responses in group {
                    for (key, response) in responses { results[key] = response }
                }
            }
        }
        return json(200) { w in
            w.beginObject()
            w.key("responses")
            w.beginArray()
            for id in order {
                let response = results[id.lowercased()]!
                w.beginObject()
                w.key("id"); w.string(id)
                w.key("status"); w.int(Int64(response.status))
                w.key("headers")
                w.beginObject()
                // The headers the request would be answered with alone, but the connection's (request ids, length).
                for (name, value) in ServiceResponse.commonHeaders { w.key(name); w.string(value) }
                for (name, value) in response.headers { w.key(name); w.string(value) }
                if let contentType = response.contentType { w.key("Content-Type"); w.string(contentType) }
                w.endObject()
                switch response.body {
                case .empty: break
                case .json(let json): w.key("body"); w.raw(json)
                case .text(let text): w.key("body"); w.string(text)
                case .document(let text, let contentType):
                    // A JSON document (the OpenAPI description) goes in as JSON, as every JSON answer does; XML as a string.
                    w.key("body")
                    if contentType.hasPrefix("application/json") { w.raw(text.utf8) } else { w.string(text) }
                case .error(let e):
                    w.key("body")
                    w.raw(ErrorMapping.body(e, requestID: RequestID.make(), clientRequestID: id, date: StatusGraphResponder.errorDate()))
                }
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
    }

    /// Creates in the collection at one path, from one wave of a batch: the path is bound and the caller
    /// authorized once, each body is read and checked on its own, and the entities are stored in one
    /// statement (together or not at all: they share their container, whose absence is the one way a
    /// checked entity fails to store). A path that names no collection takes the usual pipeline.
    private func createAll(_ requests: [ServiceRequest]) async -> [ServiceResponse] {
        if requests.count == 1 { return [await handle(requests[0])] }
        let call: Call
        let table: StorageTable
        do {
            let first = requests[0]
            guard let version = versions[first.version] else { return await each(requests) }
            let segments = try PathParser.parse(first.path)
            guard let head = segments.first?.name, !["$metadata", "$openapi", "$batch"].contains(head) else { return await each(requests) }
            call = try bind(first, version, segments)
            switch call.path.target {
            case .collection, .reference: break
            default: return await each(requests)
            }
            table = try self.table(call)
            try await checkContainers(call)
        } catch {
            let failed = response(for: error)
            return requests.map { _ in failed }
        }
        var responses = [ServiceResponse?](repeating: nil, count: requests.count)
        var new: [(index: Int, entity: NewEntity)] = []
        new.reserveCapacity(requests.count)
        for (i, request) in requests.enumerated() {
            do {
                try checkAccepted(request, .json)  // as it would be alone (`Prefer: return=minimal` may differ)
                new.append((i, try newEntity(call, table, from: request)))
            } catch {
                responses[i] = response(for: error)
            }
        }
        if !new.isEmpty {
            do {
                try await store.insert(table, in: call.scope, new.map(\.entity.entity))
                let context = new.contains { !requests[$0.index].preferMinimal } ? entityContext(call) : ""
                let collection = collectionURL(call)
                for (i, entity) in new {
                    // Answered here, not through `dispatch`: finished here too.
                    responses[i] = finished(
                        created(call, entity, preferMinimal: requests[i].preferMinimal, context: context, collection: collection), call)
                }
            } catch {
                let failed = response(for: createFailure(error, call))
                for (i, _) in new { responses[i] = failed }
            }
        }
        return responses.map { $0! }
    }

    /// The creates of a batch wave stored together: those to one path whose answers are written alike.
    private struct CreateGroup: Hashable {
        let path: Substring
        let accept: String?
    }

    private func each(_ requests: [ServiceRequest]) async -> [ServiceResponse] {
        var responses: [ServiceResponse] = []
        for request in requests { responses.append(await handle(request)) }
        return responses
    }

    /// A part's `url` as the service reads it: relative to the service root as written, or, when it is
    /// absolute (OData allows it; the Python SDK's batch sends its parts' URLs so), its path and query
    /// if the path lies under this batch's version (`…/v1.0/…`), whatever the host; nil otherwise.
    static func batchURL(_ url: String, version: String) -> String? {
        guard hasScheme(url) else { return url }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http",
            parts.percentEncodedPath.hasPrefix("/\(version)/")
        else { return nil }
        return parts.percentEncodedPath + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// Whether `url` starts with a scheme and `://` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
    /// Only the start counts: a relative URL may hold `://` in its query (`$filter=appUrl eq 'https://…'`).
    /// (Read byte by byte: Foundation's `contains` took 4% of a `$batch`'s CPU here.)
    static func hasScheme(_ url: String) -> Bool {
        var bytes = url.utf8.makeIterator()
        guard let first = bytes.next(), (first | 0x20) >= UInt8(ascii: "a"), (first | 0x20) <= UInt8(ascii: "z") else { return false }
        while let b = bytes.next() {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            case UInt8(ascii: ":"):
                return bytes.next() == UInt8(ascii: "/") && bytes.next() == UInt8(ascii: "/")
            default:
                return false
            }
        }
        return false
    }

    /// The service request a batch part makes, in the outer request's tenant and version.
    private func inner(_ part: BatchPart, outer: ServiceRequest) -> ServiceRequest {
        var url = Substring(part.url)
        // Relative to the service root; a leading version segment that names this batch's version is allowed.
        if url.utf8.starts(with: "/\(outer.version)/".utf8) { url = url.dropFirst(outer.version.count + 1) }
        // Split on the bytes (a Substring's own `firstIndex(of:)` walks Characters).
        let mark = url.utf8.firstIndex(of: UInt8(ascii: "?"))
        let query = mark.map { url[url.utf8.index(after: $0)...] }
        let path = mark.map { url[..<$0] } ?? url
        return ServiceRequest(
            method: part.method, version: outer.version, path: path, query: query,
            contentType: part.contentType, accept: part.accept, preferences: part.prefer.map { Preferences(parsing: [$0]) } ?? Preferences(),
            baseURL: outer.baseURL, identity: outer.identity, parsedBody: part.body)
    }

    private func batchParts(_ json: JSONValue, version: String) throws -> [BatchPart] {
        guard case .object(let root) = json, case .array(let requests)? = root["requests"] else {
            throw ODataError.badRequest("A batch body must be an object with a 'requests' array.")
        }
        guard !requests.isEmpty else { throw ODataError.badRequest("The batch has no requests.") }
        guard requests.count <= limits.maxBatchRequests else {
            throw ODataError.badRequest("A batch holds at most \(limits.maxBatchRequests) requests; this one has \(requests.count).")
        }
        var parts: [BatchPart] = []
        var ids = Set<String>()
        for (i, request) in requests.enumerated() {
            guard case .object(let o) = request else { throw ODataError.badRequest("Batch request \(i) is not an object.") }
            guard case .string(let id)? = o["id"], !id.isEmpty else {
                let problem = o["id"].map { $0 == .string("") ? "an empty 'id'" : "an 'id' that is not a string" } ?? "no 'id'"
                throw ODataError.badRequest("Batch request \(i) has \(problem).", target: "requests[\(i)].id")
            }
            let key = id.lowercased()
            guard ids.insert(key).inserted else {
                throw ODataError.badRequest("The batch request id '\(id)' is used more than once.", target: "requests[\(i)].id")
            }
            guard case .string(let methodName)? = o["method"], let method = ServiceRequest.Method(rawValue: methodName.uppercased()) else {
                throw ODataError.badRequest("Batch request '\(id)' has no valid 'method'.", target: "requests[\(i)].method")
            }
            guard case .string(let written)? = o["url"], let url = Self.batchURL(written, version: version) else {
                throw ODataError.badRequest(
                    "Batch request '\(id)' needs a 'url' relative to the service root, such as /deviceAppManagement/mobileApps, "
                        + "or an absolute one under this batch's root (…/\(version)/…).",
                    target: "requests[\(i)].url")
            }
            var contentType: String?
            var accept: String?
            var prefer: String?
            if let h = o["headers"] {
                guard case .object(let ho) = h else { throw ODataError.badRequest("The headers of batch request '\(id)' must be an object.") }
                for (name, value) in ho.members {
                    guard case .string(let v) = value else { throw ODataError.badRequest("Header '\(name)' of batch request '\(id)' is not a string.") }
                    switch name.lowercased() {
                    case "content-type": contentType = contentType ?? v
                    case "prefer": prefer = prefer ?? v
                    case "accept": accept = accept ?? v
                    default: break
                    }
                }
            }
            let body = o["body"]
            if body != nil, contentType == nil {
                throw ODataError.badRequest("Batch request '\(id)' has a body but no Content-Type header.", target: "requests[\(i)].headers")
            }
            var dependsOn: [String] = []
            if let d = o["dependsOn"] {
                guard case .array(let items) = d else { throw ODataError.badRequest("dependsOn of batch request '\(id)' must be an array.") }
                for item in items {
                    guard case .string(let dep) = item else { throw ODataError.badRequest("dependsOn of batch request '\(id)' must hold ids.") }
                    dependsOn.append(dep)
                }
            }
            parts.append(
                BatchPart(
                    id: id, key: key, method: method, url: url, contentType: contentType, accept: accept, prefer: prefer, body: body,
                    dependsOn: dependsOn.map { $0.lowercased() }, dependsOnAsWritten: dependsOn))
        }
        for part in parts {
            for (dep, written) in zip(part.dependsOn, part.dependsOnAsWritten) where !ids.contains(dep) || dep == part.key {
                throw ODataError.badRequest("Batch request '\(part.id)' depends on '\(written)', which is not another request of the batch.")
            }
        }
        return parts
    }

    /// The parts in waves, in the order given within each: a part joins the first wave after all it
    /// depends on. What is left over waits on itself (a cycle), and the batch is refused before
    /// anything runs.
    private func batchWaves(_ parts: [BatchPart]) throws -> [[BatchPart]] {
        var waves: [[BatchPart]] = []
        var placed = Set<String>()
        var waiting = parts
        while !waiting.isEmpty {
            let ready = waiting.filter { p in p.dependsOn.allSatisfy(placed.contains) }
            guard !ready.isEmpty else {
                throw ODataError.badRequest(
                    "The batch's dependsOn references form a cycle (among \(waiting.map { "'\($0.id)'" }.joined(separator: ", "))).")
            }
            waves.append(ready)
            placed.formUnion(ready.map(\.key))
            waiting.removeAll { p in placed.contains(p.key) }
        }
        return waves
    }
}
