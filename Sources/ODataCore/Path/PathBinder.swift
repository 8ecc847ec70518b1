import ODataModel

/// Binds parsed segments to a model: which singleton, navigations, keys and casts they name.
public final class PathBinder: Sendable {
    public let service: ServiceModel
    public let model: EdmModel

    public init(service: ServiceModel, model: EdmModel) {
        self.service = service
        self.model = model
    }

    public func bind(_ segments: [PathSegment]) throws(ODataError) -> ResourcePath {
        guard let first = segments.first else { throw .badRequest("The path names no resource.") }
        // Resource names in any case, as Graph takes them (keys keep theirs).
        guard let singleton = model.singleton(matching: first.name), let singletonType = model.entityTypes[singleton.type] else {
            throw .segmentNotFound(first.name)
        }
        if first.key != nil { throw .badRequest("The singleton '\(first.name)' takes no key.") }
        var steps: [ResourcePath.Step] = []
        steps.reserveCapacity(segments.count)
        var type = singletonType
        var cast: StructuredType?
        var target = ResourcePath.Target.singleton
        var rest = segments.dropFirst()[...]

        func castTo(_ name: String, from declared: StructuredType) throws(ODataError) -> StructuredType? {
            guard name.utf8.contains(UInt8(ascii: ".")), let derived = model.structuredType(qualified: Substring(name)) else { return nil }
            guard derived.kind == .entity, declared.isAssignable(from: derived) else {
                throw .badRequest("The type '\(name)' is not derived from '\(model.namespace).\(declared.name)'.")
            }
            return derived
        }

        while let segment = rest.first {
            rest = rest.dropFirst()
            switch target {
            case .singleton, .entity:
                if let derived = try castTo(segment.name, from: type), segment.key == nil {
                    type = derived
                    cast = derived
                    if case .entity = target, let last = steps.popLast() {
                        steps.append(.init(navigation: last.navigation, key: last.key, cast: derived))
                    }
                    continue
                }
                guard let nav = type.navigationProperty(matching: segment.name), nav.containsTarget,
                    let navType = model.entityTypes[nav.target]
                else {
                    if type.property(matching: segment.name) != nil {
                        throw .badRequest(
                            "Addressing the property '\(segment.name)' on its own is not supported; read the entity and use $select.")
                    }
                    throw .segmentNotFound(segment.name)
                }
                let owner = type
                cast = nil
                type = navType
                if nav.isCollection {
                    steps.append(.init(navigation: nav, key: segment.key, cast: nil))
                    target = segment.key == nil ? .collection : .entity
                } else {
                    guard segment.key == nil else { throw .badRequest("The single-valued navigation '\(nav.name)' takes no key.") }
                    guard let summary = service.summary(for: nav.name, on: owner) else { throw .segmentNotFound(segment.name) }
                    steps.append(.init(navigation: nav, key: nil, cast: nil))
                    target = .summary(summary)
                }
            case .collection:
                if segment.key != nil { throw .segmentNotFound(segment.description) }
                switch segment.name.lowercased() {
                case "$count": target = .count
                case "$ref": target = .reference
                default:
                    if let derived = try castTo(segment.name, from: type) {
                        type = derived
                        cast = derived
                        let last = steps.removeLast()
                        steps.append(.init(navigation: last.navigation, key: nil, cast: derived))
                        continue
                    }
                    if segment.name.hasPrefix("$") { throw .segmentNotFound(segment.name) }
                    // A cast before the key narrows the member as one after it would.
                    let last = steps.removeLast()
                    steps.append(.init(navigation: last.navigation, key: segment.name, cast: last.cast))
                    target = .entity
                }
            case .summary, .count, .reference:
                throw .segmentNotFound(segment.name)
            }
        }
        return ResourcePath(singleton: singleton.name, steps: steps, target: target, type: type, cast: cast, namespace: model.namespace)
    }
}
