import ODataCore
import ODataModel
import Storage

extension ODataService {
    private func id(_ call: Call) -> String { call.path.keys.last ?? "" }

    /// GET on an entity, with `$select` and `$expand`.
    func get(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let q = try bindQuery(call, collection: false)
        let types = call.version.types(table, cast: call.path.cast)
        if q.expand.isEmpty {
            // Written as the row is read: nothing materialized.
            let context = contextURL(call, q, entity: true)
            var w = JSONWriter(capacity: 1024)
            var written = false
            _ = try await store.get(table, in: call.scope, id: id(call), types: types) { row in
                guard let projection = call.version.projection(table, type: row.type) else { return }
                projection.write(row, context: context, selected: projection.selection(q.select), format: call.format, to: &w)
                written = true
            }
            guard written else { throw notFound(call) }
            return ServiceResponse(status: 200, body: .json(w))
        }
        guard let row = try await store.get(table, in: call.scope, id: id(call), types: types) else { throw notFound(call) }
        return try await answer(call, q, table: table, row: row, containers: call.scope.parents)
    }

    /// PATCH: sets the properties the body gives; 200 with the entity, or 204 with `Prefer: return=minimal`.
    func update(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let types = call.version.types(table, cast: call.path.cast)
        guard let existing = try await store.get(table, in: call.scope, id: id(call), types: types) else { throw notFound(call) }
        return try await update(call, table: table, existing, in: call.scope, types: types)
    }

    /// `row` (of `table`, in the containers `containers`) with what `q` expands, as a GET answers it.
    private func answer(_ call: Call, _ q: ODataQuery, table: StorageTable, row: StoredEntity, containers: [String]) async throws -> ServiceResponse {
        guard let projection = call.version.projection(table, type: row.type) else { throw notFound(call) }
        var expansions: [Expansion] = []
        if !q.expand.isEmpty {
            expansions = try await expand(call, q.expand, table: table, prefix: containers, rows: [row]).expansions
            _ = try await tokenCodec()  // expanded collections may need tokens
        }
        let context = contextURL(call, q, entity: true)
        return json(200) { w in
            projection.write(row, context: context, selected: projection.selection(q.select), format: call.format, to: &w) { w in
                writeExpansions(call, expansions, id: row.id, type: row.type, path: call.path.canonical, to: &w)
            }
        }
    }

    /// Sets on `existing` (of `table`, in `scope`) the properties the body gives, and answers as PATCH does.
    private func update(_ call: Call, table: StorageTable, _ existing: StoredEntity, in scope: Scope, types: Set<String>?) async throws -> ServiceResponse {
        guard let type = call.model.entityTypes[existing.type], let current = call.version.projection(table, type: type.name)
        else { throw notFound(call) }
        let payload = try call.version.reader.readEntity(readJSON(call.request), declared: type, mode: .update)
        let set = try changes(table, payload: payload, projection: current, model: call.model, now: DateTimeOffset.now(), creating: false)
        guard let row = try await store.update(table, in: scope, id: existing.id, types: types, set: set),
            let projection = call.version.projection(table, type: row.type)
        else { throw notFound(call) }
        if call.request.preferMinimal {
            return ServiceResponse(status: 204, headers: [("Preference-Applied", "return=minimal")])
        }
        return json(200) { w in projection.write(row, context: call.context, format: call.format, to: &w) }
    }

    /// DELETE: removes the entity and everything it contains; 204.
    func delete(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        guard try await store.delete(table, in: call.scope, id: id(call), types: call.version.types(table, cast: call.path.cast))
        else { throw notFound(call) }
        return ServiceResponse(status: 204)
    }

    private func singletonTable(_ call: Call) throws -> StorageTable {
        guard let table = store.layout.table(path: []), call.path.steps.isEmpty else { throw notFound(call) }
        return table
    }

    private func singletonRow(_ call: Call, _ table: StorageTable) async throws -> StoredEntity {
        let type = call.path.type
        // The row it starts as: its projection's defaults, made once (not the model walked per request).
        guard let projection = call.version.projection(table, type: type.name) else { throw notFound(call) }
        let initial = StoredEntity(id: call.request.tenant, type: type.name, values: projection.defaults)
        return try await store.singleton(table, tenant: call.request.tenant, initial: initial)
    }

    /// GET on the singleton, with `$select` and `$expand` (its collections, the top-level ones).
    func getSingleton(_ call: Call) async throws -> ServiceResponse {
        let table = try singletonTable(call)
        let q = try bindQuery(call, collection: false)
        return try await answer(call, q, table: table, row: try await singletonRow(call, table), containers: [])
    }

    func updateSingleton(_ call: Call) async throws -> ServiceResponse {
        let table = try singletonTable(call)
        let existing = try await singletonRow(call, table)
        return try await update(call, table: table, existing, in: Scope(tenant: call.request.tenant, parents: []), types: nil)
    }
}
