import Foundation
import ODataCore
import ODataModel
import Storage

extension ODataService {
    /// GET on a collection: one page, keyset-paged by key, with `@odata.nextLink` while more remain.
    func list(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let types = call.version.types(table, cast: call.path.cast)
        let after = try call.options["$skiptoken"].map { token throws(ODataError) in try SkipToken.decode(token) }
        let pageSize = limits.pageSize
        var rows = try await store.list(table, in: call.scope, types: types, after: after, limit: pageSize + 1)
        if rows.isEmpty, !call.scope.parents.isEmpty, try await !store.containerExists(table, in: call.scope) {
            throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its container was not found.")
        }
        var nextLink: String?
        if rows.count > pageSize {
            rows.removeLast()
            var query = call.options.passthrough.map { "\($0.name)=\(PercentEncoding.encodeQueryComponent($0.value))" }
            query.append("$skiptoken=\(SkipToken.encode(lastKey: rows.last!.id))")
            nextLink = "\(call.serviceRoot)\(call.request.path)?\(query.joined(separator: "&"))"
        }
        return json(200) { w in
            w.beginObject()
            w.key("@odata.context"); w.string(call.context)
            if let nextLink { w.key("@odata.nextLink"); w.string(nextLink) }
            w.key("value")
            w.beginArray()
            for row in rows {
                call.version.projection(table, type: row.type)?.write(row, context: nil, model: call.model, to: &w)
            }
            w.endArray()
            w.endObject()
        }
    }

    /// POST on a collection (or on its `/$ref`, as some Graph pages write it): 201 with the entity and `Location`.
    func create(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let declared = call.path.cast ?? call.path.type
        let payload = try call.version.reader.readEntity(readJSON(call.request), declared: declared, mode: .create)
        guard let type = call.model.entityTypes[payload.typeName], let projection = call.version.projection(table, type: type.name)
        else { throw ODataError.badRequest("'\(payload.typeName)' cannot be stored in '\(call.path.canonical)'.") }
        let now = Self.now()
        let entity = StoredEntity(
            id: UUID().uuidString.lowercased(), type: type.name,
            values: try newRow(table, type: type, payload: payload, model: call.model, now: now))
        do {
            try await store.insert(table, in: call.scope, entity)
        } catch let e as StorageError where e.code == .parentNotFound {
            throw ODataError.notFound("The resource '\(call.path.containerCanonical)' does not exist, so nothing can be created in it.")
        }
        let location = "\(call.serviceRoot)/\(call.path.memberPath(id: entity.id))"
        if call.request.preferMinimal {
            return ServiceResponse(
                status: 204, headers: [("Location", location), ("OData-EntityId", location), ("Preference-Applied", "return=minimal")])
        }
        let context = "\(call.serviceRoot)/$metadata#\(call.path.contextFragment)/$entity"
        return json(201, headers: [("Location", location)]) { w in
            projection.write(entity, context: context, model: call.model, to: &w)
        }
    }

    /// GET `/$count`: the number of members, as text.
    func count(_ call: Call) async throws -> ServiceResponse {
        let table = try table(call)
        let n = try await store.count(table, in: call.scope, types: call.version.types(table, cast: call.path.cast))
        if n == 0, !call.scope.parents.isEmpty, try await !store.containerExists(table, in: call.scope) {
            throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its container was not found.")
        }
        return ServiceResponse(status: 200, body: .text(String(n)))
    }
}
