/// The `@odata.context` fragment (after `$metadata#`) and canonical URLs of addressed resources.
extension ResourcePath {
    /// `deviceAppManagement/mobileApps('a')/userStatuses` for a collection; with `/$entity` for one of its members.
    public var contextFragment: String {
        var s = singleton
        for (i, step) in steps.enumerated() {
            s += "/" + step.navigation.name
            let isLast = i == steps.count - 1
            if let key = step.key, !isLast { s += "('" + ResourcePath.quoted(key) + "')" }
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
            if let key { s += "('" + ResourcePath.quoted(key) + "')" }
        }
        return s
    }

    /// A key as it stands inside `'…'`: quotes doubled (most keys have none and are returned as they are).
    public static func quoted(_ key: String) -> String {
        key.utf8.contains(UInt8(ascii: "'")) ? key.replacingOccurrences(of: "'", with: "''") : key
    }
}
