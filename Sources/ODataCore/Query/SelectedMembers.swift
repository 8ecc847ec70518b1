/// A step of a `$select` path into complex values (OData's select path: `largeIcon/type`,
/// `rules/microsoft.graph.win32LobAppRegistryRule/keyPath`).
public enum SelectPathStep: Sendable, Equatable {
    /// A member, as the model spells it.
    case member(String)
    /// A cast to a derived complex type: its qualified name, and the `@odata.type` values of the
    /// values it admits (`#microsoft.graph.…`, of the type and of those derived from it).
    case cast(String, admits: Set<String>)
}

/// What `$select` keeps of a complex property's values when its items name members of them: each
/// object (each of a collection's) keeps its control information and the members named, in the
/// order it has them; those named after a cast only where its `@odata.type` is admitted, as
/// Microsoft.OData writes a select path into complex values.
public struct SelectedMembers: Sendable, Equatable {
    private var whole = false
    private var members: [String: SelectedMembers] = [:]
    private var casts: [Cast] = []

    private struct Cast: Sendable, Equatable {
        let admits: Set<String>
        var kept: SelectedMembers
    }

    private init() {}

    /// The members `paths` name (a path that is empty keeps the value whole).
    public init(_ paths: some Sequence<[SelectPathStep]>) {
        for path in paths { add(path[...]) }
    }

    private mutating func add(_ path: ArraySlice<SelectPathStep>) {
        guard let first = path.first else {
            whole = true
            return
        }
        switch first {
        case .member(let name):
            members[name, default: SelectedMembers()].add(path.dropFirst())
        case .cast(_, let admits):
            if let i = casts.firstIndex(where: { $0.admits == admits }) {
                casts[i].kept.add(path.dropFirst())
            } else {
                var kept = SelectedMembers()
                kept.add(path.dropFirst())
                casts.append(Cast(admits: admits, kept: kept))
            }
        }
    }

    /// `self` with what `other` keeps too.
    private func merging(_ other: SelectedMembers) -> SelectedMembers {
        var merged = self
        merged.whole = whole || other.whole
        merged.members.merge(other.members) { $0.merging($1) }
        merged.casts += other.casts
        return merged
    }

    /// `value` with only what is kept.
    public func prune(_ value: JSONValue) -> JSONValue {
        if whole { return value }
        switch value {
        case .null, .bool, .number, .string:
            return value
        case .array(let values):
            return .array(values.map(prune))
        case .object(let object):
            var applying = self
            if case .string(let type)? = object["@odata.type"] {
                for cast in casts where cast.admits.contains(type) { applying = applying.merging(cast.kept) }
            }
            var kept = JSONObject()
            for (key, member) in object.members {
                // Control information (`@odata.type`), and annotations of the members kept (`name@odata.type`).
                if let at = key.firstIndex(of: "@") {
                    if at == key.startIndex || applying.members[String(key[..<at])] != nil { kept.members.append((key, member)) }
                } else if let selection = applying.members[key] {
                    kept.members.append((key, selection.prune(member)))
                }
            }
            return .object(kept)
        }
    }
}
