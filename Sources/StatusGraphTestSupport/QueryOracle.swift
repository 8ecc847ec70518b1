import Foundation
import ODataCore
import ODataModel

/// An interpreter of bound `$filter` and `$orderby` expressions over values held in memory: what every
/// backend's SQL must answer (`QueryOracleTests`). It is written from OData's semantics as this server
/// keeps them, not from the SQL: a comparison with null is false, also under `not`, and so is a function
/// of null; `ne` is true for null; two expressions compare null equal to null; text compares by code
/// point and counts code points; division by zero is null; enums order by their members' order.
public struct QueryOracle {
    public let model: EdmModel

    public init(model: EdmModel) { self.model = model }

    /// Where a row names its entity's concrete type (unqualified, as `_type` keeps it).
    public static let typeKey = "@type"

    /// A value as the interpreter computes with it.
    public enum Value: Equatable {
        case text([UInt32])
        case integer(Int64)
        case real(Double)
        case boolean(Bool)
        /// A member of a non-flags enum, with its rank in the enum's order.
        case member(String, rank: Int)
        case ticks(Int64)
        /// An Edm.Date, `YYYY-MM-DD`.
        case date(String)
        /// A complex value or a collection: not null, and not compared but with null.
        case opaque

        public static func text(_ s: String) -> Value { .text(s.unicodeScalars.map(\.value)) }
    }

    /// The value of `e` on the entity `row` (property values by name); nil for null.
    public func value(_ e: BoundExpression, _ row: [String: ODataValue]) -> Value? {
        switch e {
        case .property(let name, let path, let type):
            return convert(walk(row[name] ?? .null, path), type: type)
        case .element(let variable, let path, let type):
            return convert(walk(row[Self.variableKey(variable)] ?? .null, path), type: type)
        case .constant(let v, let type):
            return convert(v, type: type)
        case .call(let f, let args):
            return call(f, args.map { value($0, row) })
        case .arithmetic(let op, let a, let b):
            guard let x = value(a, row), let y = value(b, row) else { return nil }
            return arithmetic(op, x, y)
        case .typeCast(let types, let member):
            guard case .string(let type)? = row[Self.typeKey], types.contains(type) else { return nil }
            return value(member, row)
        case .count(let collection):
            // A null collection has no members, as an empty one.
            guard case .collection(let items)? = member(collection, row) else { return .integer(0) }
            return .integer(Int64(items.count))
        case .comparison, .and, .or, .not, .membership, .has, .lambda, .isOf:
            return .boolean(holds(e, row))
        }
    }

    /// Where a row holds the element a lambda variable stands for.
    static func variableKey(_ variable: String) -> String { "$" + variable }

    /// The value `path` reaches inside a complex value: null where a member is missing, or where a type
    /// cast on the way (`#microsoft.graph.…`) does not hold.
    func walk(_ start: ODataValue, _ path: [String]) -> ODataValue {
        var current = start
        for segment in path {
            guard case .complex(let type, let properties) = current else { return .null }
            if BoundExpression.isCast(segment) {
                guard let cast = model.structuredType(qualified: Substring(segment)), ([cast.name] + cast.derivedTypes).contains(type) else {
                    return .null
                }
                continue
            }
            current = properties.first { $0.name == segment }?.value ?? .null
        }
        return current
    }

    /// The raw value of a member expression (a collection, for a lambda); nil for null.
    func member(_ e: BoundExpression, _ row: [String: ODataValue]) -> ODataValue? {
        let v: ODataValue
        switch e {
        case .property(let name, let path, _): v = walk(row[name] ?? .null, path)
        case .element(let variable, let path, _): v = walk(row[Self.variableKey(variable)] ?? .null, path)
        case .typeCast(let types, let inner):
            guard case .string(let type)? = row[Self.typeKey], types.contains(type) else { return nil }
            return member(inner, row)
        default: preconditionFailure("not a member: \(e)")
        }
        return v == .null ? nil : v
    }

    /// Whether the predicate `e` holds on `row` (null counts as false). A row names its entity's type under
    /// `typeKey` and, inside a lambda, the element a variable stands for under `variableKey`.
    public func holds(_ e: BoundExpression, _ row: [String: ODataValue]) -> Bool {
        switch e {
        case .and(let a, let b): return holds(a, row) && holds(b, row)
        case .or(let a, let b): return holds(a, row) || holds(b, row)
        case .not(let a): return !holds(a, row)
        case .comparison(let op, let a, let b): return compare(op, a, b, row)
        case .membership(let a, let values):
            guard let x = value(a, row) else { return false }
            return values.contains { convert($0, type: a.type) == x }
        case .call(.contains, let args), .call(.startswith, let args), .call(.endswith, let args):
            guard case .text(let s)? = value(args[0], row), case .text(let t)? = value(args[1], row) else { return false }
            if case .call(.contains, _) = e { return t.isEmpty || s.indices.contains { s[$0...].starts(with: t) } }
            if case .call(.startswith, _) = e { return s.starts(with: t) }
            return s.count >= t.count && Array(s.suffix(t.count)) == t
        case .constant(.boolean(let b), _): return b
        case .property(_, _, .primitive(.boolean)), .element(_, _, .primitive(.boolean)), .typeCast(_, .property(_, _, .primitive(.boolean))):
            return value(e, row) == .boolean(true)
        case .has(let a, let mask):
            guard case .integer(let m)? = value(a, row) else { return false }
            return m & mask == mask
        case .lambda(let kind, let collection, let variable, let body):
            // A null collection has no members, as an empty one.
            guard case .collection(let items)? = member(collection, row) else { return kind == .all }
            guard let body else { return !items.isEmpty }
            func holdsOn(_ item: ODataValue) -> Bool {
                var scoped = row
                scoped[Self.variableKey(variable)] = item
                return holds(body, scoped)
            }
            return kind == .any ? items.contains(where: holdsOn) : items.allSatisfy(holdsOn)
        case .isOf(let types):
            guard case .string(let type)? = row[Self.typeKey] else { return false }
            return types.contains(type)
        default:
            preconditionFailure("not a predicate: \(e)")
        }
    }

    private func compare(_ op: ComparisonOperator, _ a: BoundExpression, _ b: BoundExpression, _ row: [String: ODataValue]) -> Bool {
        let x = value(a, row)
        let y = value(b, row)
        let oneIsNullLiteral: Bool
        if case .constant(.null, _) = a { oneIsNullLiteral = true } else if case .constant(.null, _) = b { oneIsNullLiteral = true } else { oneIsNullLiteral = false }
        let twoExpressions: Bool
        if case .constant = a { twoExpressions = false } else if case .constant = b { twoExpressions = false } else { twoExpressions = true }
        switch op {
        case .eq, .ne:
            let equal: Bool
            if oneIsNullLiteral || twoExpressions {
                equal = x == nil && y == nil || (x != nil && y != nil && order(x!, y!) == 0)
            } else {
                guard let x, let y else { return op == .ne }  // `ne` a value is true for null
                equal = order(x, y) == 0
            }
            return op == .eq ? equal : !equal
        case .gt, .ge, .lt, .le:
            guard let x, let y else { return false }
            let c = order(x, y)
            switch op {
            case .gt: return c > 0
            case .ge: return c >= 0
            case .lt: return c < 0
            default: return c <= 0
            }
        }
    }

    /// -1, 0 or 1: `x` before, with or after `y`.
    public func order(_ x: Value, _ y: Value) -> Int {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a > b ? 1 : 0 }
        switch (x, y) {
        case (.text(let a), .text(let b)):
            for (p, q) in zip(a, b) where p != q { return p < q ? -1 : 1 }
            return sign(a.count, b.count)
        case (.integer(let a), .integer(let b)): return sign(a, b)
        case (.integer(let a), .real(let b)): return sign(Double(a), b)
        case (.real(let a), .integer(let b)): return sign(a, Double(b))
        case (.real(let a), .real(let b)): return sign(a, b)
        case (.boolean(let a), .boolean(let b)): return sign(a ? 1 : 0, b ? 1 : 0)
        case (.member(_, let a), .member(_, let b)): return sign(a, b)
        case (.ticks(let a), .ticks(let b)): return sign(a, b)
        case (.date(let a), .date(let b)): return sign(a, b)
        default: preconditionFailure("the oracle cannot compare \(x) with \(y)")
        }
    }

    /// Rows in the order of `keys`, null first ascending and last descending, the id breaking ties.
    public func sorted(_ rows: [(id: String, values: [String: ODataValue])], by keys: [OrderKey]) -> [String] {
        rows.sorted { r, s in
            for key in keys {
                let x = value(key.expression, r.values)
                let y = value(key.expression, s.values)
                var c: Int
                switch (x, y) {
                case (nil, nil): c = 0
                case (nil, _): c = -1
                case (_, nil): c = 1
                case (let x?, let y?): c = order(x, y)
                }
                if key.descending { c = -c }
                if c != 0 { return c < 0 }
            }
            return r.id < s.id
        }.map(\.id)
    }

    private func convert(_ v: ODataValue, type: TypeReference?) -> Value? {
        switch v {
        case .null: return nil
        case .string(let s): return type == .primitive(.date) ? .date(s) : .text(s)
        case .integer(let n): return .integer(n)
        case .double(let d): return .real(d)
        case .boolean(let b): return .boolean(b)
        case .dateTimeOffset(let d): return .ticks(d.ticks)
        case .enumMember(let name):
            guard case .enumeration(let e)? = type, let members = model.enumTypes[e]?.members else {
                preconditionFailure("enum member \(name) without its enum")
            }
            return .member(name, rank: members.firstIndex { $0.name == name }!)
        case .flags(let mask): return .integer(mask)
        case .complex, .collection: return .opaque
        case .binary, .rawJSON:
            preconditionFailure("the oracle has no \(v)")
        }
    }

    /// The UTF-16 code units of a text.
    private static func units(_ s: ArraySlice<UInt32>) -> Int64 { s.reduce(0) { $0 + ($1 > 0xFFFF ? 2 : 1) } }

    private func call(_ f: FunctionName, _ args: [Value?]) -> Value? {
        let t = DateTimeOffset.ticksPerSecond
        switch f {
        case .now: return .ticks(DateTimeOffset.now().ticks)
        case .mindatetime: return .ticks(DateTimeOffset.minValue.ticks)
        case .maxdatetime: return .ticks(DateTimeOffset.maxValue.ticks)
        default: break
        }
        guard args.allSatisfy({ $0 != nil }) else { return nil }  // a function of null is null
        switch (f, args[0]!) {
        case (.tolower, .text(let s)): return .text(caseMapped(s, upper: false))
        case (.toupper, .text(let s)): return .text(caseMapped(s, upper: true))
        case (.trim, .text(let s)):
            // .NET's `String.Trim`: Unicode's white space (`char.IsWhiteSpace`) at either end.
            func white(_ c: UInt32) -> Bool { Unicode.Scalar(c)!.properties.isWhitespace }
            guard let first = s.firstIndex(where: { !white($0) }), let last = s.lastIndex(where: { !white($0) }) else { return .text([]) }
            return .text(Array(s[first...last]))
        // .NET counts text in UTF-16 code units: a character beyond U+FFFF counts twice.
        case (.length, .text(let s)): return .integer(Self.units(s[...]))
        case (.concat, .text(let s)):
            guard case .text(let u) = args[1]! else { break }
            return .text(s + u)
        case (.indexof, .text(let s)):
            guard case .text(let u) = args[1]! else { break }
            if u.isEmpty { return .integer(0) }
            return .integer(s.indices.first { s[$0...].starts(with: u) }.map { Self.units(s[..<$0]) } ?? -1)
        case (.substring, .text(let s)):
            guard case .integer(let start) = args[1]! else { break }
            var stop = Int64.max
            if args.count > 2 {
                guard case .integer(let length) = args[2]! else { break }
                stop = max(start, 0).addingReportingOverflow(max(length, 0)).overflow ? .max : max(start, 0) + max(length, 0)
            }
            // Unit by unit; a character cut in two leaves U+FFFD for the half taken (.NET keeps a lone surrogate).
            var taken: [UInt32] = []
            var at: Int64 = 0
            for c in s where at < stop {
                let width: Int64 = c > 0xFFFF ? 2 : 1
                if at >= max(start, 0) && at + width <= stop { taken.append(c) } else if at + width > max(start, 0) && max(start, 0) < stop { taken.append(0xFFFD) }
                at += width
            }
            return .text(taken)
        case (.year, .ticks(let ticks)), (.month, .ticks(let ticks)), (.day, .ticks(let ticks)), (.hour, .ticks(let ticks)),
            (.minute, .ticks(let ticks)), (.second, .ticks(let ticks)), (.date, .ticks(let ticks)):
            // Taken from the instant's canonical text (`yyyy-MM-ddTHH:mm:ss…Z`, as answers write it).
            let text = Array(DateTimeOffset(ticks: ticks).description.utf8)
            func part(_ from: Int, _ count: Int) -> Int64 { Int64(String(decoding: text[from..<from + count], as: UTF8.self))! }
            switch f {
            case .year: return .integer(part(0, 4))
            case .month: return .integer(part(5, 2))
            case .day: return .integer(part(8, 2))
            case .hour: return .integer(part(11, 2))
            case .minute: return .integer(part(14, 2))
            case .second: return .integer(part(17, 2))
            default: return .date(String(decoding: text[0..<10], as: UTF8.self))
            }
        case (.fractionalseconds, .ticks(let ticks)):
            return .real(Double(Self.floorDivided(ticks, by: t).1) / Double(t))
        case (.totaloffsetminutes, .ticks): return .integer(0)
        default: break
        }
        preconditionFailure("the oracle cannot apply \(f) to \(args)")
    }

    private func arithmetic(_ op: ArithmeticOperator, _ x: Value, _ y: Value) -> Value? {
        switch (x, y) {
        case (.integer(let a), .integer(let b)):
            switch op {
            case .add: return .integer(a + b)
            case .sub: return .integer(a - b)
            case .mul: return .integer(a * b)
            case .div: return b == 0 ? nil : .integer(a / b)  // toward zero
            case .mod: return b == 0 ? nil : .integer(a % b)  // the sign of the dividend
            }
        default:
            func real(_ v: Value) -> Double {
                switch v {
                case .integer(let n): return Double(n)
                case .real(let d): return d
                default: preconditionFailure("not a number: \(v)")
                }
            }
            let (a, b) = (real(x), real(y))
            switch op {
            case .add: return .real(a + b)
            case .sub: return .real(a - b)
            case .mul: return .real(a * b)
            case .div: return b == 0 ? nil : .real(a / b)
            case .mod: return b == 0 ? nil : .real(a.truncatingRemainder(dividingBy: b))
            }
        }
    }

    /// Each character to the single one it maps to, as .NET's invariant culture maps case.
    private func caseMapped(_ s: [UInt32], upper: Bool) -> [UInt32] {
        s.map { code in
            let scalar = Unicode.Scalar(code)!
            let mapped = (upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping).unicodeScalars
            return mapped.count == 1 ? mapped.first!.value : code
        }
    }

    /// The quotient rounded down, and the remainder (0 or more).
    static func floorDivided(_ n: Int64, by d: Int64) -> (Int64, Int64) {
        let r = (n % d + d) % d
        return ((n - r) / d, r)
    }
}
