import ODataCore
import ODataModel

extension ODataService {
    /// Checks that the identity holds a permission the operation accepts (the model's permission
    /// table, by navigation path and operation kind), for the addressed resource and everything it expands.
    func authorize(_ call: Call, query expand: [ExpandItem] = []) throws(ODataError) {
        let operation: PermissionRule.Operation
        switch (call.request.method, call.path.target) {
        case (.get, _): operation = .read
        case (.post, _), (.put, _): operation = .create
        case (.patch, _): operation = .update
        case (.delete, _): operation = .delete
        }
        let path = call.path.steps.lazy.map(\.navigation.name)
        try require(operation, path: path, identity: call.request.identity)
        if operation == .read, !expand.isEmpty {
            try authorizeExpansions(expand, under: Array(path), identity: call.request.identity)
        }
    }

    private func authorizeExpansions(_ items: [ExpandItem], under path: [String], identity: Identity) throws(ODataError) {
        for item in items {
            let inner = path + [item.navigation.name]
            try require(.read, path: inner, identity: identity)
            try authorizeExpansions(item.query.expand, under: inner, identity: identity)
        }
    }

    func require(
        _ operation: PermissionRule.Operation, path: some Collection<String>, identity: Identity
    ) throws(ODataError) {
        guard let rule = service.permissionRule(for: path) else { return }
        let accepted = rule.permissions(for: operation)
        // No rule means no such operation: the dispatcher answers 405.
        guard !accepted.isEmpty, !accepted.contains(where: identity.has) else { return }
        let target = path.isEmpty ? "deviceAppManagement" : path.joined(separator: "/")
        let message =
            "Insufficient privileges to complete the operation: \(operation.rawValue) on \(target) needs one of these permissions: \(accepted.joined(separator: ", "))."
        throw ODataError(.forbidden, code: "Forbidden", message: message, target: accepted.first)
    }
}
