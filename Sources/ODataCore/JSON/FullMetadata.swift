import ODataModel

/// `odata.metadata=full` (OData JSON §3.1.2, as Microsoft.OData.Core writes it): an answer written with
/// minimal metadata, given what full metadata adds. Each entity gets its `@odata.id` (its canonical
/// URL) and `@odata.editLink` (the same, and a cast segment when the entity is of a type derived from
/// the one its collection declares, as Microsoft.OData.Core's conventional links have it), a
/// `…@odata.navigationLink` (after the edit link) for each navigation the service answers that the
/// query selects or expands (`Links`; immediately before the navigation where it is expanded, after the
/// properties where it is not), and each property whose
/// JSON does not tell its type (not a string, boolean, Int32 or finite Double) a `…@odata.type` before
/// its value, in complex values too. Clients of Intune ask for it to see the `@odata.type` of every value.
///
/// It runs only for the requests that ask for it: it reads the answer back rather than burden the
/// writers every other request goes through.
public struct FullMetadata: Sendable {
    /// What an answer holds at its top, and the entity type (unqualified) its navigation declares.
    public enum Shape: Sendable, Equatable {
        /// One entity at this URL (the singleton, a summary).
        case entity(url: String, declared: String)
        /// One member of the collection at this URL; its own URL is `url('id')`.
        case member(ofCollection: String, declared: String)
        /// A page of the collection at this URL, in `value`.
        case page(ofCollection: String, declared: String)
    }

    /// Which navigations of the entities at one level get their links, as Microsoft.OData.Core decides:
    /// every one where `$select` is not given (or is `*`), else those it names and those expanded; the
    /// same again for the entities each expansion holds, by its own `$select`.
    public struct Links: Sendable {
        /// The `$select` items that may name navigations; nil for every navigation.
        public var selected: [SelectItem]?
        public var expanded: [String: Links]

        public static let all = Links(selected: nil, expanded: [:])

        public init(selected: [SelectItem]?, expanded: [String: Links]) {
            self.selected = selected
            self.expanded = expanded
        }

        /// The links the entities a query answers get.
        public init(_ query: ODataQuery) {
            selected = query.select.map { items in items.filter(\.isNavigation) }
            expanded = Dictionary(query.expand.map { ($0.navigation.name, Links($0.query)) }, uniquingKeysWith: { a, _ in a })
        }

        /// Whether an entity of the type `type` gets the link of its navigation `name` (expanded or not).
        func links(_ name: String, on type: String) -> Bool {
            selected?.contains { $0.selectsNavigation(name, on: type) } ?? true
        }
    }

    let model: EdmModel
    /// Each entity type's navigations the service answers (`ServiceModel.serves`), worked out once.
    let navigations: [String: [NavigationProperty]]

    public init(model: EdmModel, service: ServiceModel) {
        self.model = model
        navigations = model.entityTypes.mapValues { type in type.navigationProperties.filter { service.serves($0, of: type, in: model) } }
    }

    /// `body` (an answer in minimal metadata, of `shape`) in full metadata, its entities' navigation
    /// links as `links` says.
    public func annotate(_ body: JSONValue, shape: Shape, links: Links = .all) -> JSONValue {
        guard case .object(let top) = body else { return body }
        switch shape {
        case .entity(let url, let declared): return .object(entity(top, url: url, declared: declared, links: links))
        case .member(let collection, let declared):
            return .object(entity(top, url: Self.memberURL(collection, top), declared: declared, links: links))
        case .page(let collection, let declared):
            return .object(
                JSONObject(
                    top.members.map { member in
                        guard member.key == "value", case .array(let items) = member.value else { return member }
                        return (member.key, .array(items.map { item in
                            guard case .object(let o) = item else { return item }
                            return .object(entity(o, url: Self.memberURL(collection, o), declared: declared, links: links))
                        }))
                    }))
        }
    }

    /// `collection('id')`, the URL of the member `object` of the collection at `collection`.
    static func memberURL(_ collection: String, _ object: JSONObject) -> String {
        guard case .string(let id) = object["id"] else { return collection }
        return collection + "('" + ResourcePath.quoted(id) + "')"
    }

    /// An entity at `url`, in a collection or navigation that declares the type `declared`: its control
    /// information, its properties' types, its navigations' links.
    private func entity(_ object: JSONObject, url: String, declared: String, links: Links) -> JSONObject {
        guard case .string(let odataType) = object["@odata.type"], let type = model.structuredType(qualified: Substring(odataType))
        else { return object }
        // Links to what it contains start from its edit link (Microsoft.OData.Core: the read link, the
        // edit link unless given); the ids of what it contains from its id.
        let editLink = type.name == declared ? url : url + "/" + model.namespace + "." + type.name
        let navigations = self.navigations[type.name] ?? []
        var linked = Set<String>()
        var out: [(key: String, value: JSONValue)] = []
        out.reserveCapacity(object.members.count * 2 + navigations.count + 2)
        func link(_ name: String) {
            guard !linked.contains(name) else { return }
            linked.insert(name)
            out.append((name + "@odata.navigationLink", .string(editLink + "/" + name)))
        }
        for member in object.members {
            switch member.key {
            case "@odata.context": out.append(member)
            case "@odata.type":
                out.append(member)
                out.append(("@odata.id", .string(url)))
                out.append(("@odata.editLink", .string(editLink)))
            default:
                // An expanded navigation's annotations (its count, its next link) and the navigation itself.
                let name = member.key.firstIndex(of: "@").map { member.key[..<$0] } ?? member.key[...]
                if let nav = navigations.first(where: { $0.name == name }) {
                    link(nav.name)
                    let nested = links.expanded[nav.name] ?? .all
                    let value = expanded(member.value, url: url + "/" + nav.name, declared: nav.target, links: nested)
                    out.append(name.endIndex == member.key.endIndex ? (member.key, value) : member)
                } else {
                    append(member, of: type, to: &out)
                }
            }
        }
        for nav in navigations where links.links(nav.name, on: type.name) { link(nav.name) }
        return JSONObject(out)
    }

    /// An expanded navigation's value (declaring the type `declared`): its entities (of a collection at
    /// `url`), or its one entity at `url`.
    private func expanded(_ value: JSONValue, url: String, declared: String, links: Links) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map { item in
                guard case .object(let o) = item else { return item }
                return .object(entity(o, url: Self.memberURL(url, o), declared: declared, links: links))
            })
        case .object(let o): return .object(entity(o, url: url, declared: declared, links: links))
        case .null, .bool, .number, .string: return value
        }
    }

    /// A value of `type` with the type annotations of its complex values' members.
    private func complexValues(_ value: JSONValue, _ type: TypeReference) -> JSONValue {
        switch (type, value) {
        case (.collection(let element), .array(let items)): return .array(items.map { complexValues($0, element) })
        case (.complex(let declared), .object(let o)):
            let shown: StructuredType? =
                if case .string(let name) = o["@odata.type"] { model.structuredType(qualified: Substring(name)) } else { model.complexTypes[declared] }
            guard let shown else { return value }
            var out: [(key: String, value: JSONValue)] = []
            out.reserveCapacity(o.members.count * 2)
            for member in o.members { append(member, of: shown, to: &out) }
            return .object(JSONObject(out))
        default: return value
        }
    }

    /// Appends a member of an object of `type`: a property with its type annotation where it needs one
    /// and its complex values annotated, anything else as it is.
    private func append(_ member: (key: String, value: JSONValue), of type: StructuredType, to out: inout [(key: String, value: JSONValue)]) {
        guard let property = type.property(named: member.key) else {
            out.append(member)
            return
        }
        if member.value != .null, let typeName = annotation(property.type, value: member.value) {
            out.append((member.key + "@odata.type", .string(typeName)))
        }
        out.append((member.key, complexValues(member.value, property.type)))
    }

    /// The `…@odata.type` of a property of `type` holding `value`, or nil where its JSON tells it: a string,
    /// a boolean, an Int32, a Double written as a number, a complex value (which carries its own).
    public func annotation(_ type: TypeReference, value: JSONValue) -> String? {
        switch type {
        case .primitive(.string), .primitive(.boolean), .primitive(.int32): return nil
        case .primitive(.double): if case .number = value { return nil } else { return "#Double" }
        case .complex, .entity: return nil
        case .primitive, .enumeration, .collection: return "#" + Self.name(type, namespace: model.namespace)
        }
    }

    /// A type's name in a type annotation: built-in primitive types without `Edm.` (`Collection(String)`).
    static func name(_ type: TypeReference, namespace: String) -> String {
        switch type {
        case .primitive(let kind): String(kind.rawValue.dropFirst("Edm.".count))
        case .enumeration, .complex, .entity: type.qualifiedName(namespace: namespace)
        case .collection(let element): "Collection(" + name(element, namespace: namespace) + ")"
        }
    }
}
