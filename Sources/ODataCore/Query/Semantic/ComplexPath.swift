import ODataModel

/// A path into complex values, after the property that holds them (`type` of `largeIcon/type`,
/// `microsoft.graph.win32LobAppRegistryRule/keyPath` of `rules/…`), walked against the model: for
/// `$filter` and `$orderby` (`ExpressionBinder`) and for `$select` (`QueryBinder`) alike.
struct ComplexPath {
    enum Step {
        /// A member, as the model spells it.
        case member(String)
        /// A cast to a complex type derived from the one walked so far (or that type itself).
        case cast(StructuredType)
    }

    /// Why a segment does not resolve (its message, for the option's error).
    struct Fault: Error {
        let message: String
    }

    let steps: [Step]
    /// The type the path reaches.
    let type: TypeReference

    /// Walks `path` from a value of type `start` (reached by `root`). Member names match in any case; a
    /// member not declared on the type walked so far is looked up on the types derived from it (null
    /// where a value is of another type). `throughCollections` lets the path enter collections of
    /// complex values (a `$select` path keeps the member of each), where `$filter` needs a lambda.
    static func walk(
        _ start: TypeReference, _ path: some Sequence<String>, from root: String, throughCollections: Bool = false,
        in model: EdmModel
    ) throws(Fault) -> ComplexPath {
        var current = start
        var walked = root
        var steps: [Step] = []
        for segment in path {
            let holder = throughCollections ? current.element : current
            guard case .complex(let name) = holder, let complex = model.complexTypes[name] else {
                throw Fault(message: "'\(walked)' has no member '\(segment)'.")
            }
            if segment.utf8.contains(UInt8(ascii: ".")) {
                guard let cast = model.structuredType(qualified: Substring(segment)), cast.kind == .complex, complex.isAssignable(from: cast) else {
                    throw Fault(message: "'\(segment)' is not a type derived from \(model.namespace).\(name).")
                }
                current = current.isCollection ? .collection(.complex(cast.name)) : .complex(cast.name)
                walked += "/" + segment
                steps.append(.cast(cast))
                continue
            }
            guard let p = complex.property(matching: segment)
                ?? complex.derivedTypes.lazy.compactMap({ model.complexTypes[$0]?.property(matching: segment) }).first
            else { throw Fault(message: "could not find a property named '\(segment)' on type '\(model.namespace).\(name)'.") }
            // A member of each value of a collection is a collection of them.
            current = current.isCollection && !p.type.isCollection ? .collection(p.type) : p.type
            walked += "/" + p.name
            steps.append(.member(p.name))
        }
        return ComplexPath(steps: steps, type: current)
    }
}
