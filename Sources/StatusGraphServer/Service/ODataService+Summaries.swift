import ODataCore
import ODataModel
import Storage

extension ODataService {
    /// GET on a summary: counts kept in the same transaction as every status write (no scan), plus the
    /// properties the summary copies from its parent, as the model's summary definition says.
    func summary(_ call: Call) async throws -> ServiceResponse {
        guard case .summary(let summary) = call.path.target else { throw notFound(call) }
        let q = try bindQuery(call, collection: false)
        guard let parentTable = store.layout.table(path: call.path.collectionPath), let parentID = call.path.keys.last else {
            throw notFound(call)
        }
        let plan = call.version.summaryPlan(summary, type: call.path.type, parentTable: parentTable, store: store)
        guard
            let parent = try await store.getWithCounts(
                plan.read, in: Scope(tenant: call.request.tenant, parents: Array(call.path.keys.dropLast())), id: parentID)
        else { throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its parent was not found.") }
        let body = plan.write(
            tenant: call.request.tenant, parent: parent, context: contextURL(call, q, entity: true), selected: plan.selection(q.select),
            format: call.format)
        return ServiceResponse(status: 200, body: .json(body))
    }
}
