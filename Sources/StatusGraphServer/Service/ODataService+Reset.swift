import ODataCore

extension ODataService {
    /// Removes everything of the caller's tenant, as a test suite wants between tests (what restarting
    /// Azurite on a fresh directory does, for one tenant): its apps, configurations and statuses, their
    /// counts, what throttling counted, and its fault rules. The caller needs the permission to delete every top-level
    /// collection (the model's permission table), as deleting each entity by itself would. 204.
    public func reset(_ identity: Identity) async -> ServiceResponse {
        do {
            for table in store.layout.tables where table.path.count == 1 {
                try require(.delete, path: table.path, identity: identity)
            }
            let removed = try await store.deleteTenant(identity.tenant)
            throttle?.forget(tenant: identity.tenant)
            try faults?.set([], of: identity.tenant)
            logger.info("reset tenant \(identity.tenant): \(removed) entities removed")
            return ServiceResponse(status: 204)
        } catch {
            return response(for: error)
        }
    }
}
