import Foundation
import ODataCore
import ODataModel
import Storage

extension ODataService {
    /// GET on a collection: `$filter`, `$orderby`, `$select`, `$expand`, `$count`, `$top`, `$skip`, and
    /// server-driven paging by key with a signed `$skiptoken` in `@odata.nextLink`.
    func list(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let q = try bindQuery(call, collection: true)
        var lq = listQuery(call, table, q, type: call.path.cast)
        // Only a request that reads or writes a paging token needs its fingerprint, and then once.
        var computedFingerprint: String?
        func fp() -> String {
            if let computedFingerprint { return computedFingerprint }
            let f = Self.fingerprint(
                tenant: call.request.tenant, version: call.request.version,
                path: call.path.canonical + (call.path.cast.map { "/" + $0.name } ?? ""),
                filter: call.options["$filter"], orderBy: call.options["$orderby"])
            computedFingerprint = f
            return f
        }
        var returned = 0
        // The page size: the service's, or less as the client prefers (`Prefer: odata.maxpagesize`),
        // kept in the paging token so that the next pages are as long without the header.
        var pageSize = limits.pageSize
        if let token = q.skipToken {
            let payload = try await tokenCodec().decode(token)
            guard let position = PagingToken(payload: payload), position.fingerprint == fp(), position.keys.count == q.orderBy.count + 1
            else {
                throw ODataError.badRequest(
                    "The $skiptoken belongs to another query; use @odata.nextLink exactly as the service returned it.", target: "$skiptoken")
            }
            lq.after = position.keys
            returned = position.returned
            if let kept = position.pageSize { pageSize = min(pageSize, kept) }
        } else {
            lq.offset = q.skip ?? 0
        }
        let asked = call.request.preferences.maxPageSize
        if let asked { pageSize = min(limits.pageSize, asked) }
        let remaining = q.top.map { max($0 - returned, 0) }
        let pageLimit = min(pageSize, remaining ?? Int.max)
        let mayContinue = remaining.map { $0 > pageLimit } ?? true
        // The page's members are written as their rows are read (nothing materialized), except with
        // `$expand`, whose reads need the page's ids first.
        // Room for a page of rows at once (the writer grows if they are longer), not grown step by step.
        var items = JSONWriter(capacity: pageLimit > 0 ? min(pageLimit, 64) * 512 : 0)
        var written = 0
        var more = false
        var lastKeys: [SQLValue] = []
        var expansions: [Expansion] = []
        if pageLimit > 0 {
            lq.limit = pageLimit + (mayContinue ? 1 : 0)
            var projection: EntityProjection?
            var selected: EntityProjection.Selection?
            func project(_ type: String) {
                if projection?.typeName != type {
                    projection = call.version.projection(table, type: type)
                    selected = projection?.selection(q.select)
                }
            }
            if q.expand.isEmpty {
                // The projection is held unretained: it lives as long as `call.version`, which `call` holds,
                // and every request on every core shares it (its reference count, touched for each row,
                // would bounce between the cores' caches).
                var current: Unmanaged<EntityProjection>?
                let format = call.format
                let start = items.mark
                try await store.list(
                    table, in: call.scope, lq,
                    restart: {
                        // The read starts over (it ran long): the page is written again from its first member.
                        items.rewind(to: start)
                        (written, more, lastKeys) = (0, false, [])
                    }
                ) { row in
                    guard written < pageLimit else { more = true; return }
                    if current?._withUnsafeGuaranteedRef({ $0.isType(row.type) }) != true {
                        project(String(decoding: row.type, as: UTF8.self))
                        current = projection.map { Unmanaged.passUnretained($0) }
                    }
                    current?._withUnsafeGuaranteedRef { $0.write(row, context: nil, selected: selected, format: format, to: &items) }
                    written += 1
                    if written == pageLimit { lastKeys = row.sortKeys }
                }
            } else {
                var rows = try await store.list(table, in: call.scope, lq)
                if rows.count > pageLimit {
                    more = true
                    rows.removeLast(rows.count - pageLimit)
                }
                let expanded = try await expand(call, q.expand, table: table, prefix: call.scope.parents, rows: rows)
                expansions = expanded.expansions
                if expanded.covered < rows.count {
                    more = true
                    rows.removeLast(rows.count - expanded.covered)
                }
                _ = try await tokenCodec()  // expanded collections may need tokens too
                for row in rows {
                    project(row.type)
                    projection?.write(row, context: nil, selected: selected, format: call.format, to: &items) { w in
                        writeExpansions(call, expansions, id: row.id, type: row.type, path: call.path.memberPath(id: row.id), to: &w)
                    }
                }
                written = rows.count
                lastKeys = rows.last?.sortKeys ?? []
            }
        }
        if written == 0, !more, !call.scope.parents.isEmpty, try await !store.containerExists(table, in: call.scope) {
            throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its container was not found.")
        }
        var nextLink: String?
        if more {
            let position = PagingToken(
                keys: lastKeys, returned: returned + written, fingerprint: fp(), pageSize: pageSize < limits.pageSize ? pageSize : nil)
            let token = try await tokenCodec().encode(position.payload())
            var query = call.options.passthrough.map { "\($0.name)=\(PercentEncoding.encodeQueryComponent($0.value))" }
            query.append("$skiptoken=\(token)")
            nextLink = "\(call.serviceRoot)\(call.request.path)?\(query.joined(separator: "&"))"
        }
        let count = q.count ? try await store.count(table, in: call.scope, lq) : nil
        let context = contextURL(call, q, entity: false)
        let applied = asked.map { [("Preference-Applied", "odata.maxpagesize=\(min($0, limits.pageSize))")] } ?? []
        return json(200, capacity: items.count + 1024, headers: applied) { w in
            w.beginObject()
            if !call.format.omitsMetadata { w.key("@odata.context"); w.string(context) }
            if let count { w.key("@odata.count"); w.count(count, format: call.format) }
            if let nextLink { w.key("@odata.nextLink"); w.string(nextLink) }
            w.key("value")
            w.beginArray()
            items.withBytes { w.raw(utf8: $0) }
            w.endArray()
            w.endObject()
        }
    }

    /// POST on a collection (or on its `/$ref`, as some Graph pages write it): 201 with the entity and `Location`.
    func create(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let new = try newEntity(call, table, from: call.request)
        do {
            try await store.insert(table, in: call.scope, new.entity)
        } catch {
            throw createFailure(error, call)
        }
        let minimal = call.request.preferMinimal
        return created(call, new, preferMinimal: minimal, context: minimal ? "" : entityContext(call), collection: collectionURL(call))
    }

    /// An entity to create in the collection `call` addresses, read from `request`'s body (the call's
    /// own, or a batch part's for the same collection) and checked against the model.
    func newEntity(_ call: Call, _ table: StorageTable, from request: ServiceRequest) throws -> NewEntity {
        let declared = call.path.cast ?? call.path.type
        let payload = try call.version.reader.readEntity(readJSON(request), declared: declared, mode: .create)
        guard let type = call.model.entityTypes[payload.typeName], let projection = call.version.projection(table, type: type.name)
        else { throw ODataError.badRequest("'\(payload.typeName)' cannot be stored in '\(call.path.canonical)'.") }
        let now = DateTimeOffset.now()
        let entity = StoredEntity(
            id: EntityID.make(), type: type.name,
            values: try newRow(table, projection: projection, payload: payload, model: call.model, now: now))
        return NewEntity(entity: entity, projection: projection)
    }

    /// What a failed insert into the collection `call` addresses means to the client.
    func createFailure(_ error: any Error, _ call: Call) -> any Error {
        if let e = error as? StorageError, e.code == .parentNotFound {
            return ODataError.notFound("The resource '\(call.path.containerCanonical)' does not exist, so nothing can be created in it.")
        }
        return error
    }

    /// The `@odata.context` of an entity created in the collection `call` addresses.
    func entityContext(_ call: Call) -> String {
        call.context { call.path.appendContextFragment(to: &$0); $0 += "/$entity" }
    }

    /// The URL of the collection `call` addresses; a member's is it and `('id')`.
    func collectionURL(_ call: Call) -> String { "\(call.serviceRoot)/\(call.path.canonical)" }

    /// The answer to a stored create: 201 with the entity, or 204 when the client prefers it minimal.
    /// `context` (`entityContext(call)`) and `collection` (`collectionURL(call)`) are made once for
    /// every create in the collection.
    func created(_ call: Call, _ new: NewEntity, preferMinimal: Bool, context: String, collection: String) -> ServiceResponse {
        var location = collection
        location.reserveCapacity(collection.utf8.count + new.entity.id.utf8.count + 4)
        location += "('"; location += ResourcePath.quoted(new.entity.id); location += "')"
        if preferMinimal {
            return ServiceResponse(
                status: 204, headers: [("Location", location), ("OData-EntityId", location), ("Preference-Applied", "return=minimal")])
        }
        return json(201, headers: [("Location", location)]) { w in
            new.projection.write(new.entity, context: context, format: call.format, to: &w)
        }
    }

    /// GET `/$count`: the number of members (that `$filter` selects), as text.
    func count(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let q = try bindQuery(call, collection: true)
        let n = try await store.count(table, in: call.scope, listQuery(call, table, q, type: call.path.cast))
        if n == 0, !call.scope.parents.isEmpty, try await !store.containerExists(table, in: call.scope) {
            throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its container was not found.")
        }
        return ServiceResponse(status: 200, body: .text(String(n)))
    }
}

/// An entity read from a request body, ready to store, and how to write it back.
struct NewEntity {
    let entity: StoredEntity
    let projection: EntityProjection
}
