/// The `@odata.context` fragment (after `$metadata#`) and canonical URLs of addressed resources.
extension ResourcePath {
    /// `deviceAppManagement/mobileApps('a')/userStatuses` for a collection; with `/$entity` for one of its members.
    public var contextFragment: String {
        var s = singleton
        for (i, step) in steps.enumerated() {
            s += "/" + step.navigation.name
            let isLast = i == steps.count - 1
            if let key = step.key, !isLast { s += "('\(key.replacingOccurrences(of: "'", with: "''"))')" }
        }
        switch target {
        case .singleton: return s
        case .collection, .count, .reference: return s
        case .entity, .summary: return s + "/$entity"
        }
    }

    /// The canonical path of the member `id` of the addressed collection, for `Location`.
    public func memberPath(id: String) -> String {
        var s = singleton
        for (i, step) in steps.enumerated() {
            s += "/" + step.navigation.name
            let key = i == steps.count - 1 ? id : step.key
            if let key { s += "('\(key.replacingOccurrences(of: "'", with: "''"))')" }
        }
        return s
    }
}
