import ODataModel

/// A `$filter` or `$orderby` expression bound to the model: every property resolved, every literal
/// typed. Storage translates it to SQL; nothing here knows SQL.
public indirect enum BoundExpression: Sendable, Equatable {
    /// A typed constant.
    case constant(ODataValue, TypeReference?)
    /// A property of the entity (`name`, stored in one column), and a path into it when it is complex.
    /// A path's members are named as the model names them; a type cast in it (`rule/microsoft.graph.
    /// win32LobAppRegistryRule/operationType`) as `@odata.type` spells the type (`#microsoft.graph.…`):
    /// what follows is null where the value there is not of that type (see `isCast`).
    case property(name: String, path: [String], type: TypeReference)
    /// An element of the collection a lambda ranges over (or a path into it, as above).
    case element(variable: String, path: [String], type: TypeReference)
    case comparison(ComparisonOperator, BoundExpression, BoundExpression)
    case and(BoundExpression, BoundExpression)
    case or(BoundExpression, BoundExpression)
    case not(BoundExpression)
    /// `x in (constants)`.
    case membership(BoundExpression, [ODataValue])
    case call(FunctionName, [BoundExpression])
    /// `flagsProperty has mask`.
    case has(BoundExpression, mask: Int64)
    /// `collection/any(v: body)` / `all`; `body` nil for `any()`.
    case lambda(LambdaKind, collection: BoundExpression, variable: String, body: BoundExpression?)
    case arithmetic(ArithmeticOperator, BoundExpression, BoundExpression)
    /// `isof('T')`: the entity's concrete type is one of `types` (T and the types derived from it).
    case isOf(types: [String])
    /// A member reached through a cast of the entity to a derived type (`microsoft.graph.win32LobApp/fileName`):
    /// `value` where the entity's concrete type is one of `types` (that type and those derived from it),
    /// else null, as OData has a cast.
    case typeCast(types: [String], value: BoundExpression)
    /// How many members a collection has (none where it is null), an `Edm.Int64` as Microsoft.OData's `CountNode` is.
    case count(BoundExpression)

    /// The expression's type; nil for `null`.
    public var type: TypeReference? {
        switch self {
        case .constant(_, let t): return t
        case .property(_, _, let t), .element(_, _, let t): return t
        case .typeCast(_, let value): return value.type
        case .count: return .primitive(.int64)
        case .comparison, .and, .or, .not, .membership, .has, .lambda, .isOf: return .primitive(.boolean)
        case .call(let f, let args): return f.resultType(args)
        case .arithmetic(_, let a, let b):
            if a.type == .primitive(.double) || b.type == .primitive(.double) { return .primitive(.double) }
            return .primitive(.int64)
        }
    }
}

public enum ComparisonOperator: String, Sendable, Equatable { case eq, ne, gt, ge, lt, le }

public enum ArithmeticOperator: String, Sendable, Equatable { case add, sub, mul, div, mod }

/// The canonical functions StatusGraph supports in `$filter` and `$orderby` (OData 4.01 §5.1.1.7–5.1.1.8):
/// those on text, and those on DateTimeOffset values and the current time.
public enum FunctionName: String, Sendable, Equatable, CaseIterable {
    case contains, startswith, endswith, tolower, toupper, trim, length, concat, indexof, substring
    case year, month, day, hour, minute, second, fractionalseconds, date, totaloffsetminutes
    case now, mindatetime, maxdatetime

    /// The kinds of its arguments, in order; the last `optionalParameters` may be left out.
    public var parameters: [PrimitiveKind] {
        switch self {
        case .tolower, .toupper, .trim, .length: return [.string]
        case .contains, .startswith, .endswith, .concat, .indexof: return [.string, .string]
        case .substring: return [.string, .int32, .int32]
        case .year, .month, .day, .hour, .minute, .second, .fractionalseconds, .date, .totaloffsetminutes: return [.dateTimeOffset]
        case .now, .mindatetime, .maxdatetime: return []
        }
    }

    /// How many of the last parameters may be left out (`substring`'s length).
    public var optionalParameters: Int { self == .substring ? 1 : 0 }

    func resultType(_ args: [BoundExpression]) -> TypeReference {
        switch self {
        case .contains, .startswith, .endswith: return .primitive(.boolean)
        case .tolower, .toupper, .trim, .concat, .substring: return .primitive(.string)
        case .length, .indexof, .year, .month, .day, .hour, .minute, .second, .totaloffsetminutes: return .primitive(.int32)
        case .fractionalseconds: return .primitive(.double)
        case .date: return .primitive(.date)
        case .now, .mindatetime, .maxdatetime: return .primitive(.dateTimeOffset)
        }
    }
}

extension BoundExpression {
    /// Whether a segment of a member path is a type cast (`#microsoft.graph.win32LobAppRegistryRule`), not a member.
    public static func isCast(_ segment: String) -> Bool { segment.utf8.first == UInt8(ascii: "#") }
}

extension BoundExpression: CustomStringConvertible {
    /// Canonical text, for golden tests.
    public var description: String {
        switch self {
        case .constant(let v, let t): return "\(Self.describe(v)):\(t.map(\.description) ?? "null")"
        case .property(let name, let path, _): return "$it/" + ([name] + path).joined(separator: "/")
        case .element(let v, let path, _): return ([v] + path).joined(separator: "/")
        case .comparison(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .and(let a, let b): return "(\(a) and \(b))"
        case .or(let a, let b): return "(\(a) or \(b))"
        case .not(let e): return "(not \(e))"
        case .membership(let e, let values): return "(\(e) in [\(values.map(Self.describe).joined(separator: ", "))])"
        case .call(let f, let args): return "\(f.rawValue)(\(args.map(\.description).joined(separator: ", ")))"
        case .has(let e, let mask): return "(\(e) has \(mask))"
        case .lambda(let kind, let c, let v, let body): return "\(c)/\(kind.rawValue)(\(v): \(body.map(\.description) ?? ""))"
        case .arithmetic(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .isOf(let types): return "isof(\(types.joined(separator: "|")))"
        case .typeCast(let types, let value): return "(\(value) if isof(\(types.joined(separator: "|"))))"
        case .count(let c): return "\(c)/$count"
        }
    }

    static func describe(_ v: ODataValue) -> String {
        switch v {
        case .null: return "null"
        case .boolean(let b): return String(b)
        case .integer(let n): return String(n)
        case .double(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .dateTimeOffset(let d): return d.description
        case .binary(let b): return "binary(\(b.count))"
        case .enumMember(let m): return "#\(m)"
        case .flags(let f): return "flags(\(f))"
        case .complex, .collection, .rawJSON: return "…"
        }
    }
}
