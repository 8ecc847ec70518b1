/// The type of a property: a primitive, a named enum or complex type, or a collection of one of those.
public indirect enum TypeReference: Sendable, Equatable, Hashable, CustomStringConvertible {
    case primitive(PrimitiveKind)
    case enumeration(String)
    case complex(String)
    case entity(String)
    case collection(TypeReference)

    /// The element type of a collection, or the type itself.
    public var element: TypeReference {
        if case .collection(let inner) = self { return inner }
        return self
    }

    public var isCollection: Bool {
        if case .collection = self { return true }
        return false
    }

    /// The CSDL spelling, e.g. `Collection(microsoft.graph.mimeContent)`.
    public func qualifiedName(namespace: String) -> String {
        switch self {
        case .primitive(let kind): return kind.rawValue
        case .enumeration(let name), .complex(let name), .entity(let name): return "\(namespace).\(name)"
        case .collection(let inner): return "Collection(\(inner.qualifiedName(namespace: namespace)))"
        }
    }

    public var description: String { qualifiedName(namespace: "microsoft.graph") }
}
