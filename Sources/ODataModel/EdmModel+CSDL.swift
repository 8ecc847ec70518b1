extension EdmModel {
    /// The model as CSDL XML (OData 4.0 `$metadata`): enum, complex and entity types with containment
    /// navigation, and the entity container with its singletons.
    /// `containerName` names the entity container (Graph's is `GraphService`).
    public func csdl(containerName: String = "GraphService") -> String {
        var x = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
        x += #"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">"# + "\n"
        x += "<edmx:DataServices>\n"
        x += #"<Schema Namespace="\#(namespace)" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">"# + "\n"
        for e in enumTypes.values.sorted(by: { $0.name < $1.name }) {
            x += #"<EnumType Name="\#(Self.escape(e.name))" UnderlyingType="Edm.Int32""# + (e.isFlags ? #" IsFlags="true""# : "") + ">\n"
            for (name, value) in Self.memberValues(e) {
                x += #"<Member Name="\#(Self.escape(name))" Value="\#(value)"/>"# + "\n"
            }
            x += "</EnumType>\n"
        }
        for t in complexTypes.values.sorted(by: { $0.name < $1.name }) {
            x += "<ComplexType" + header(t) + ">\n" + properties(t) + "</ComplexType>\n"
        }
        for t in entityTypes.values.sorted(by: { $0.name < $1.name }) {
            x += "<EntityType" + header(t) + ">\n"
            if t.baseName == nil { x += #"<Key><PropertyRef Name="id"/></Key>"# + "\n" }
            x += properties(t)
            for n in t.declaredNavigationProperties {
                let type = n.isCollection ? "Collection(\(namespace).\(n.target))" : "\(namespace).\(n.target)"
                x += #"<NavigationProperty Name="\#(Self.escape(n.name))" Type="\#(type)""#
                    + (n.isCollection ? "" : #" Nullable="false""#) + (n.containsTarget ? #" ContainsTarget="true""# : "") + "/>\n"
            }
            x += "</EntityType>\n"
        }
        x += #"<EntityContainer Name="\#(containerName)">"# + "\n"
        for (name, type) in singletons.sorted(by: { $0.key < $1.key }) {
            x += #"<Singleton Name="\#(Self.escape(name))" Type="\#(namespace).\#(type)"/>"# + "\n"
        }
        x += "</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n"
        return x
    }

    private func header(_ t: StructuredType) -> String {
        var s = #" Name="\#(Self.escape(t.name))""#
        if let base = t.baseName { s += #" BaseType="\#(namespace).\#(base)""# }
        if t.isAbstract { s += #" Abstract="true""# }
        return s
    }

    private func properties(_ t: StructuredType) -> String {
        var s = ""
        for p in t.declaredProperties {
            s += #"<Property Name="\#(Self.escape(p.name))" Type="\#(p.type.qualifiedName(namespace: namespace))""#
            if !p.nullable { s += #" Nullable="false""# }
            s += "/>\n"
        }
        return s
    }

    /// Every member with a value: the known ones as given, the unknown ones numbered after the largest.
    static func memberValues(_ e: EnumType) -> [(String, Int64)] {
        var next = (e.members.compactMap(\.value).max() ?? -1) + 1
        return e.members.map { m in
            if let v = m.value { return (m.name, v) }
            defer { next += 1 }
            return (m.name, next)
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
