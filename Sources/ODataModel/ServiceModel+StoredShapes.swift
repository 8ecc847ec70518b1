extension ServiceModel {
    /// Whether a value of `type`, as the version `version` declares it, may be stored in a shape that
    /// version does not show: a complex type it can hold (through nested properties and derived types)
    /// is declared otherwise, or not at all, in another version, or one of its enums has other members.
    /// Values are kept as the version that
    /// wrote them shaped them (v1.0's `windowsMinimumOperatingSystem` lacks beta's `v10_1607`), so such a
    /// value is shown member by member as its reader's version has it; any other is shown as kept.
    public func storesOtherwise(_ type: TypeReference, in version: String) -> Bool {
        guard let model = versions[version] else { return false }
        var pending: [String] = []
        if case .complex(let name) = type.element { pending.append(name) }
        var seen: Set<String> = []
        while let name = pending.popLast() {
            guard seen.insert(name).inserted, let mine = model.complexTypes[name] else { continue }
            for other in versions.values where other !== model {
                guard let theirs = other.complexTypes[name], Self.sameShape(mine, theirs) else { return true }
            }
            pending += mine.derivedTypes
            for p in mine.properties {
                switch p.type.element {
                case .complex(let nested): pending.append(nested)
                case .enumeration(let name):
                    let members = model.enumTypes[name]?.members.map(\.name)
                    for other in versions.values where other.enumTypes[name]?.members.map(\.name) != members { return true }
                case .primitive, .entity, .collection: break
                }
            }
        }
        return false
    }

    /// The enums two versions declare with other members: a value stored through one version may hold a
    /// member another does not show (beta's `windowsArchitecture` has `arm64`, v1.0's not). An enum only
    /// one version declares is not among them: only that version writes it.
    static func varyingEnums(_ versions: [EdmModel]) -> Set<String> {
        var names: Set<String> = []
        for model in versions {
            for (name, e) in model.enumTypes
            where versions.contains(where: { $0.enumTypes[name].map { $0.members.map(\.name) != e.members.map(\.name) } ?? false }) {
                names.insert(name)
            }
        }
        return names
    }

    private static func sameShape(_ a: StructuredType, _ b: StructuredType) -> Bool {
        a.baseName == b.baseName && a.properties == b.properties && Set(a.derivedTypes) == Set(b.derivedTypes)
    }
}
