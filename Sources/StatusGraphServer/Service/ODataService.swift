import Foundation
import Logging
import ODataCore
import ODataModel
import Storage
import Synchronization

/// The OData service, independent of HTTP: a request in, a response out. Every resource of every
/// version goes through the same pipeline — parse, bind, read, execute, serialize — driven by the model;
/// no handler is specific to an entity type.
public struct ODataService: Sendable {
    public let service: ServiceModel
    public let store: any EntityStore
    let limits: ServiceLimits
    let versions: [String: VersionContext]
    let logger: Logger
    /// The paging token codec, made once the store's secret is read.
    let codecCache = Cached<SkipTokenCodec>()
    /// Graph's request limits, when the server applies them.
    let throttle: Throttle?
    /// The fault rules tests set (`/_statusgraph/faults`), when the server takes them.
    let faults: Faults?

    public init(service: ServiceModel, store: any EntityStore, limits: ServiceLimits, logger: Logger, injectsFaults: Bool = false) {
        self.service = service
        self.store = store
        self.limits = limits
        self.logger = logger
        self.throttle = limits.throttle.map(Throttle.init(policy:))
        self.faults = injectsFaults ? Faults() : nil
        self.versions = service.versions.mapValues {
            VersionContext(model: $0, service: service, layout: store.layout, queryLimits: limits.query)
        }
    }

    /// The versions served, e.g. `v1.0` and `beta`.
    public var versionNames: [String] { service.versionNames }

    public func handle(_ request: ServiceRequest) async -> ServiceResponse {
        do {
            return try await dispatch(request)
        } catch {
            return response(for: error)
        }
    }

    /// A request of `identity` counted against the throttling limits, or its 429 when one is spent: Graph's
    /// `TooManyRequests`, with `Retry-After` in whole seconds (at least 1). Each request of a `$batch` is
    /// counted on its own, not the batch.
    public func admit(_ identity: Identity, method: ServiceRequest.Method) -> ServiceResponse? {
        guard let throttle, let refusal = throttle.admit(identity, isWrite: method != .get) else { return nil }
        let retryAfter = Self.retryAfterSeconds(refusal.retryAfter)
        let identifier = identity.tenant + (refusal.limit.scope == .app ? "+" + (identity.application ?? "") : "")
        let category = refusal.limit.writesOnly ? "writes" : "requests"
        let error = ODataError(
            .tooManyRequests, code: "TooManyRequests",
            message: "Too many requests from Identifier:\(identifier) under category:\(category) "
                + "(\(refusal.limit.requests) per \(refusal.limit.window.components.seconds) s). Please try again later.")
        return ServiceResponse(error: error, headers: [("Retry-After", String(retryAfter))])
    }

    /// `Retry-After`'s whole seconds for a wait: rounded up (a client that waits them is taken), at least 1.
    static func retryAfterSeconds(_ wait: Duration) -> Int64 {
        let (seconds, attoseconds) = wait.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }

    /// The error response for anything a request's handling threw.
    func response(for error: any Error) -> ServiceResponse {
        let e = ErrorMapping.odataError(for: error, logger: logger)
        return ServiceResponse(error: e)
    }

    private func dispatch(_ r: ServiceRequest) async throws -> ServiceResponse {
        guard let version = versions[r.version] else { throw ODataError.badRequest("Invalid version: '\(r.version)'.") }
        let segments = try PathParser.parse(r.path)
        switch (segments.first?.name, segments.count, r.method) {
        case (nil, _, .get):
            try checkAccepted(r, .json)
            var document = serviceDocument(r, version)
            document.format = r.jsonFormat
            return document
        // CSDL is XML whatever a client asks (Graph has no JSON CSDL).
        case ("$metadata", 1, .get): return ServiceResponse(status: 200, body: .document(version.csdl, contentType: "application/xml;charset=utf-8"))
        case ("$openapi", 1, .get):
            try checkAccepted(r, .json)
            return ServiceResponse(status: 200, body: .document(version.openAPI.text(serverURL: r.baseURL), contentType: "application/json;charset=utf-8"))
        case ("$batch", 1, .post):
            try checkAccepted(r, .json)
            return try await batch(r)
        case ("$batch", 1, _):
            throw ODataError.methodNotAllowed(r.method.rawValue, path: "/\(r.version)\(r.path)", allowed: ["POST"])
        case ("$metadata", 1, _), ("$openapi", 1, _), (nil, _, _):
            throw ODataError.methodNotAllowed(r.method.rawValue, path: "/\(r.version)\(r.path)", allowed: ["GET"])
        default: break
        }
        let call = try bind(r, version, segments)
        // `$format` has the last word where it is given (`QueryBinder` takes JSON only).
        if call.options["$format"] == nil {
            // A count is plain text, taken by clients that ask for JSON too (a bare number is JSON): the
            // PowerShell SDK's count cmdlets send `Accept: application/json`, and Graph answers them.
            if case .count = call.path.target { try checkAccepted(r, .plainText, or: .json) } else { try checkAccepted(r, .json) }
        }
        return finished(try await route(call), call)
    }

    /// The handler of a bound call, by its target and method.
    private func route(_ call: Call) async throws -> ServiceResponse {
        let r = call.request
        try await checkContainers(call)
        switch (call.path.target, r.method) {
        case (.singleton, .get): return try await getSingleton(call)
        case (.singleton, .patch): return try await updateSingleton(call)
        case (.collection, .get): return try await list(call)
        case (.collection, .post), (.reference, .post): return try await create(call)
        case (.count, .get): return try await count(call)
        case (.entity, .get): return try await get(call)
        case (.entity, .patch): return try await update(call)
        case (.entity, .delete): return try await delete(call)
        case (.summary, .get): return try await summary(call)
        case (.summary(let s), _):
            throw ODataError(
                .methodNotAllowed, code: "Request_BadRequest",
                message: "'\(s.navigation)' is computed from the stored statuses and cannot be changed with \(r.method.rawValue); change the statuses instead.",
                allowedMethods: call.path.target.methods)
        case (.reference, _):
            throw ODataError(
                .methodNotAllowed, code: "Request_BadRequest",
                message: "'$ref' on a contained collection is accepted only with POST, which creates an entity as POST to the collection does.",
                allowedMethods: call.path.target.methods)
        default:
            throw ODataError.methodNotAllowed(r.method.rawValue, path: call.path.canonical, allowed: call.path.target.methods)
        }
    }

    /// Refuses, before anything is carried out, a request whose answer would have a body (any but a
    /// DELETE, or a write with `Prefer: return=minimal`) in a format its `Accept` does not admit: 406.
    func checkAccepted(_ r: ServiceRequest, _ mediaType: AcceptHeader.MediaType, or other: AcceptHeader.MediaType? = nil) throws(ODataError) {
        guard let accept = r.accept, r.method == .get || (r.method != .delete && !r.preferMinimal) else { return }
        guard AcceptHeader.admits(accept, mediaType) || other.map({ AcceptHeader.admits(accept, $0) }) == true else {
            throw AcceptHeader.refusal(accept, answeredIn: mediaType)
        }
    }

    /// The call a request makes on a resource of the model: its path bound, its query options read, its
    /// caller allowed.
    func bind(_ r: ServiceRequest, _ version: VersionContext, _ segments: [PathSegment]) throws -> Call {
        let path = try version.binder.bind(segments)
        guard r.query.map({ $0.utf8.count <= limits.query.maxQueryLength }) ?? true else {
            throw ODataError.badRequest("The query string is longer than \(limits.query.maxQueryLength) bytes.")
        }
        let call = Call(request: r, version: version, path: path, options: try QueryOptions(parsing: r.query, dollarOptional: version.dollarOptional))
        try authorize(call)
        return call
    }
}

extension ODataService {
    /// The service document: what the service root offers.
    func serviceDocument(_ r: ServiceRequest, _ version: VersionContext) -> ServiceResponse {
        json(200) { w in
            w.beginObject()
            if !r.jsonFormat.omitsMetadata { w.key("@odata.context"); w.string("\(r.baseURL)/\(r.version)/$metadata") }
            w.key("value")
            w.beginArray()
            for name in version.model.singletons.keys.sorted() {
                w.beginObject()
                w.key("name"); w.string(name)
                w.key("kind"); w.string("Singleton")
                w.key("url"); w.string(name)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
    }
}

/// One request on its way through the pipeline (a class: it is handed through many async steps, and
/// copying its fields at each would cost more than the request's SQL).
final class Call: Sendable {
    let request: ServiceRequest
    let version: VersionContext
    let path: ResourcePath
    let options: QueryOptions
    /// Where the addressed collection or entity is stored.
    let scope: Scope
    /// `https://host/beta`.
    let serviceRoot: String
    /// How the answer's JSON is written: as `$format` asks, else as `Accept` does.
    let format: JSONFormat

    init(request: ServiceRequest, version: VersionContext, path: ResourcePath, options: QueryOptions) {
        self.request = request
        self.version = version
        self.path = path
        self.options = options
        scope = Scope(tenant: request.tenant, parents: path.parentKeys)
        serviceRoot = request.baseURL + "/" + request.version
        format = options["$format"].map(JSONFormat.init(formatOption:)) ?? request.jsonFormat
    }

    /// The `@odata.context` of an entity written whole, or nil where the format omits it.
    var entityContext: String? { format.omitsMetadata ? nil : context }

    var model: EdmModel { version.model }
    /// The `@odata.context` of the addressed resource.
    var context: String { context(fragment: path.appendContextFragment) }

    /// `{serviceRoot}/$metadata#` and the fragment `append` writes, built in one string.
    func context(fragment append: (inout String) -> Void) -> String {
        var s = serviceRoot
        s.reserveCapacity(serviceRoot.utf8.count + 256)
        s += "/$metadata#"
        append(&s)
        return s
    }
}

extension ODataService {
    func table(_ call: Call) throws -> StorageTable {
        guard let table = store.layout.table(path: call.path.collectionPath) else {
            throw ODataError.segmentNotFound(call.path.steps.last?.navigation.name ?? call.path.singleton)
        }
        return table
    }

    /// Reads the request body as JSON, or says what is wrong with it.
    func readJSON(_ r: ServiceRequest) throws -> JSONValue {
        if let parsed = r.parsedBody {
            // A `$batch` part's body is JSON within the batch's: its charset, if it says one, is the batch's.
            if let contentType = r.contentType { try JSONBody.checkMediaType(contentType) }
            return parsed
        }
        return try JSONBody.parse(r.body, contentType: r.contentType, maxDepth: limits.maxJSONDepth)
    }

    func notFound(_ call: Call) -> ODataError {
        .notFound("The resource '\(call.path.canonical)' does not exist.")
    }

    /// A JSON response.
    func json(_ status: Int, capacity: Int = 1024, headers: [(String, String)] = [], _ write: (inout JSONWriter) -> Void) -> ServiceResponse {
        var w = JSONWriter(capacity: capacity)
        write(&w)
        return ServiceResponse(status: status, headers: headers, body: .json(w))
    }

    /// The column values of a new entity: the defaults of its type, then the body's values, then the server's.
    func newRow(
        _ table: StorageTable, projection: EntityProjection, payload: EntityPayload, model: EdmModel, now: DateTimeOffset
    ) throws -> [SQLValue] {
        var values = projection.defaults
        for (i, value) in try changes(table, payload: payload, projection: projection, model: model, now: now, creating: true) {
            values[i] = value
        }
        return values
    }

    /// The columns a body sets, plus the properties the server keeps. `projection` is that of the type the
    /// body was read against (`payload.typeName`), whose positions the payload's are.
    func changes(
        _ table: StorageTable, payload: EntityPayload, projection: EntityProjection, model: EdmModel, now: DateTimeOffset,
        creating: Bool
    ) throws -> [(column: Int, value: SQLValue)] {
        var out: [(column: Int, value: SQLValue)] = []
        out.reserveCapacity(payload.values.count + projection.managedColumns.count)
        for (nv, position) in zip(payload.values, payload.positions) {
            let i = projection.columnOfProperty[position]
            guard i >= 0 else {
                throw ODataError.badRequest("The property '\(nv.name)' cannot be stored.", target: nv.name)
            }
            out.append((i, ColumnCodec.encode(nv.value, column: table.columns[i], model: model)))
        }
        for (i, kind) in projection.managedColumns {
            switch kind {
            case .creation where creating, .modification:
                out.append((i, .integer(now.ticks)))
            case .creation:
                continue
            }
        }
        return out
    }
}

/// A value computed once and shared, behind a lock.
final class Cached<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func withLock<T>(_ body: (inout Value?) -> T) -> T { value.withLock { body(&$0) } }
}
