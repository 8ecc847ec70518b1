import ODataCore
import Storage

extension ODataService {
    /// Refuses (404) a call on what an entity contains when that entity is not at the path: the path
    /// casts it to a type it is not of (`mobileApps/{id}/microsoft.graph.webApp/userStatuses` under a
    /// win32 app), or the version does not show its type (`v1.0/…/mobileAppConfigurations/{id}/deviceStatuses`
    /// under a configuration of a type only beta has). The entity is not found at that path, so neither
    /// is anything below it. One read by key for each such entity; none where the path casts no
    /// container and the version shows every type its containers may have.
    func checkContainers(_ call: Call) async throws {
        let steps = call.path.steps
        if call.version.showsEveryStoredType, !steps.contains(where: { $0.cast != nil }) { return }
        // Every step but the last (the addressed collection, member or summary) names a container.
        let containers = max(steps.count - 1, 0)
        var parents: [String] = []
        for (i, step) in steps.prefix(containers).enumerated() {
            guard let key = step.key else { return }
            defer { parents.append(key) }
            // A summary reads its own container, of the types the version shows; a cast it does not know.
            if case .summary = call.path.target, i == containers - 1, step.cast == nil { continue }
            guard let table = store.layout.table(path: steps.prefix(i + 1).map(\.navigation.name)),
                let types = call.version.types(table, cast: step.cast)
            else { continue }
            let scope = Scope(tenant: call.scope.tenant, parents: parents)
            guard try await store.get(table, in: scope, id: key, types: types, each: { _ in }) else {
                throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its container was not found.")
            }
        }
    }
}
