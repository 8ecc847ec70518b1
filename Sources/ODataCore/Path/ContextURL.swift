/// The `@odata.context` fragment (after `$metadata#`) and canonical URLs of addressed resources.
/// Each is built in one string, appended to in place: these run on every request, and a `+` of
/// temporaries costs an allocation per piece.
extension ResourcePath {
    /// `deviceAppManagement/mobileApps('a')/userStatuses` for a collection; with `/$entity` for one of its members.
    public var contextFragment: String {
        var s = ""
        appendContextFragment(to: &s)
        return s
    }

    /// Appends `contextFragment` to `s`.
    public func appendContextFragment(to s: inout String) {
        s.reserveCapacity(s.utf8.count + estimatedLength + 8)
        appendSteps(steps.count - 1, keyOfLast: nil, to: &s, casts: true)
        switch target {
        case .singleton, .collection, .count, .reference: break
        case .entity, .summary: s += "/$entity"
        }
    }

    /// The canonical path of the member `id` of the addressed collection, for `Location`.
    public func memberPath(id: String) -> String {
        var s = ""
        s.reserveCapacity(estimatedLength + id.utf8.count + 4)
        appendSteps(steps.count - 1, keyOfLast: id, to: &s)
        return s
    }

    /// The canonical path of the entity that contains the addressed collection or entity.
    public var containerCanonical: String {
        var s = ""
        s.reserveCapacity(estimatedLength)
        appendSteps(steps.count - 1, keyOfLast: nil, to: &s, includingLast: false)
        return s
    }

    /// The canonical path of the addressed collection, or of the collection of the addressed entity.
    public var collectionCanonical: String {
        var s = ""
        s.reserveCapacity(estimatedLength)
        appendSteps(steps.count - 1, keyOfLast: nil, to: &s)
        return s
    }

    /// The path as Graph writes it canonically: `deviceAppManagement/mobileApps('a')/userStatuses('b')`.
    public var canonical: String {
        var s = ""
        s.reserveCapacity(estimatedLength)
        appendSteps(steps.count - 1, keyOfLast: steps.last?.key, to: &s)
        return s
    }

    /// A key as it stands inside `'…'`: quotes doubled (most keys have none and are returned as they are).
    public static func quoted(_ key: String) -> String {
        key.utf8.contains(UInt8(ascii: "'")) ? key.replacingOccurrences(of: "'", with: "''") : key
    }

    /// The singleton, then each step's navigation and key, up to `last` (whose key is `keyOfLast`). With
    /// `casts`, as `@odata.context` names a path (OData JSON §10, as Microsoft.OData.Core writes it), each
    /// step's cast to a type other than its navigation's after it: `mobileApps('a')/microsoft.graph.webApp/userStatuses`,
    /// and `mobileApps/microsoft.graph.webApp` for the collection or a member of it. Canonical URLs have none.
    private func appendSteps(_ last: Int, keyOfLast: String?, to s: inout String, includingLast: Bool = true, casts: Bool = false) {
        s += singleton
        for (i, step) in steps.enumerated() where i < last || (i == last && includingLast) {
            s += "/"
            s += step.navigation.name
            if let key = i == last ? keyOfLast : step.key {
                s += "('"
                s += ResourcePath.quoted(key)
                s += "')"
            }
            if casts, let cast = step.cast, cast.name != step.navigation.target {
                s += "/"
                s += namespace
                s += "."
                s += cast.name
            }
        }
    }

    /// Enough room for the path with its keys (ids are 36 characters).
    private var estimatedLength: Int { singleton.utf8.count + steps.count * 64 }
}
