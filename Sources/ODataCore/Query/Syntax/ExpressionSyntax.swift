/// A `$filter` / `$orderby` expression as written, before the model gives it meaning.
public indirect enum ExpressionSyntax: Sendable, Equatable {
    case literal(LiteralSyntax)
    /// A path of member names from the current instance (or a lambda variable), e.g. `largeIcon/type`.
    case member([String])
    case binary(BinaryOperator, ExpressionSyntax, ExpressionSyntax)
    case not(ExpressionSyntax)
    case negate(ExpressionSyntax)
    /// `x in (a, b, c)`.
    case `in`(ExpressionSyntax, [ExpressionSyntax])
    /// A function call such as `startswith(displayName,'Con')`.
    case call(String, [ExpressionSyntax])
    /// `path/any(v: body)`, `path/all(v: body)`; `path/any()` has neither variable nor body.
    case lambda(LambdaKind, collection: [String], variable: String?, body: ExpressionSyntax?)
    /// `path/$count`: how many members the collection at `path` has (OData 4.01 §5.1.1.1, as Microsoft.OData binds it).
    case count(collection: [String])
}

public enum LambdaKind: String, Sendable, Equatable { case any, all }

public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
    case or, and
    case eq, ne, gt, ge, lt, le, has
    case add, sub, mul, div, mod

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .eq, .ne: return 3
        case .gt, .ge, .lt, .le, .has: return 4
        case .add, .sub: return 5
        case .mul, .div, .mod: return 6
        }
    }
}

/// A literal as written; typed when the model binds it.
public enum LiteralSyntax: Sendable, Equatable {
    case null
    case boolean(Bool)
    /// An integer or decimal number, as written.
    case number(String)
    case string(String)
    case dateTimeOffset(String)
    case date(String)
    case guid(String)
    /// `Namespace.EnumType'member'` (flags: `'a,b'`).
    case enumMember(type: String, value: String)
    /// `duration'P1D'`.
    case duration(String)
    /// `binary'T0RhdGE'`: base64url, as written.
    case binary(String)
}

extension ExpressionSyntax: CustomStringConvertible {
    /// A canonical, fully parenthesized rendering, for golden tests.
    public var description: String {
        switch self {
        case .literal(let l): return l.description
        case .member(let path): return path.joined(separator: "/")
        case .binary(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .not(let e): return "(not \(e))"
        case .negate(let e): return "(-\(e))"
        case .in(let e, let items): return "(\(e) in [\(items.map(\.description).joined(separator: ", "))])"
        case .call(let name, let args): return "\(name)(\(args.map(\.description).joined(separator: ", ")))"
        case .lambda(let kind, let path, let variable, let body):
            let inner = variable.map { "\($0): \(body.map(\.description) ?? "")" } ?? ""
            return "\(path.joined(separator: "/"))/\(kind.rawValue)(\(inner))"
        case .count(let path): return "\(path.joined(separator: "/"))/$count"
        }
    }
}

extension LiteralSyntax: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean(let b): return String(b)
        case .number(let n): return n
        case .string(let s): return "'\(s.replacingOccurrences(of: "'", with: "''"))'"
        case .dateTimeOffset(let s): return "datetime:\(s)"
        case .date(let s): return "date:\(s)"
        case .guid(let s): return "guid:\(s)"
        case .enumMember(let type, let value): return "\(type)'\(value)'"
        case .duration(let s): return "duration'\(s)'"
        case .binary(let s): return "binary'\(s)'"
        }
    }
}
