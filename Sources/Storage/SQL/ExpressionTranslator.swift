import ODataCore
import ODataModel

/// Translates bound `$filter` / `$orderby` expressions over one table into SQL fragments, with every
/// value bound. OData's null semantics are kept: a comparison with a null property is false (also under
/// `not`), `ne` is true for null, `eq null` is `IS NULL`.
public struct ExpressionTranslator {
    public let table: StorageTable
    public let dialect: any SQLDialect
    public let model: EdmModel
    /// The SQL that names the table's row (its name, or an alias).
    public let row: String

    /// Enums whose members are not the same in every version of the service (`ServiceModel.enumsThatVary`):
    /// a stored value of one may be a member this version does not show.
    public let varyingEnums: Set<String>

    public init(table: StorageTable, dialect: any SQLDialect, model: EdmModel, varyingEnums: Set<String> = [], row: String? = nil) {
        self.table = table
        self.dialect = dialect
        self.model = model
        self.varyingEnums = varyingEnums
        self.row = row ?? dialect.quote(table.name)
    }

    /// The characters `trim` removes: those .NET's `char.IsWhiteSpace` calls white space.
    static let whitespace = String(String.UnicodeScalarView(
        ([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680] + Array(0x2000...0x200A) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
            .map { Unicode.Scalar(UInt32($0))! }))

    /// The entity types a cast on the entity narrows the table's family to, while its member is translated.
    private(set) var castTypes: [String]?
    /// Lambda variables in scope: name → SQL of the current element.
    private var elements: [String: String] = [:]
    /// Lambda variables in scope: name → the type of the collection's elements.
    private var elementTypes: [String: TypeReference] = [:]
    private var lambdaCount = 0

    public mutating func predicate(_ e: BoundExpression) throws(ODataError) -> SQLFragment {
        switch e {
        case .and(let a, let b): return "(" + (try predicate(a)) + " AND " + (try predicate(b)) + ")"
        case .or(let a, let b): return "(" + (try predicate(a)) + " OR " + (try predicate(b)) + ")"
        case .not(let a): return "NOT COALESCE(" + (try predicate(a)) + ", \(dialect.falseLiteral))"
        case .comparison(let op, let a, let b): return try comparison(op, a, b)
        case .membership(let a, let values):
            guard !values.isEmpty else { return SQLFragment("1 = 0") }
            let kind = kindOf(a)
            let items = values.map { SQLFragment.bind(kind.encode($0, type: a.type ?? .primitive(.string), model: model)) }
            return "(" + (try value(a)) + " IN (" + SQLFragment.join(items, ", ") + "))"
        case .has(let a, let mask):
            let v = try value(a)
            return "((" + v + " & " + SQLFragment.bind(.integer(mask)) + ") = " + SQLFragment.bind(.integer(mask)) + ")"
        case .call(let f, let args):
            let a = try value(args[0])
            let b = args.count > 1 ? try value(args[1]) : SQLFragment("")
            switch f {
            case .contains: return combine(a, b) { dialect.contains($0, $1) }
            case .startswith: return combine(a, b) { "substr(\($0), 1, length(\($1))) = \($1)" }
            case .endswith: return combine(a, b) { "(length(\($0)) >= length(\($1)) AND substr(\($0), length(\($0)) - length(\($1)) + 1) = \($1))" }
            default: throw .badRequest("'\(f.rawValue)' does not give true or false.")
            }
        case .lambda(let kind, let collection, let variable, let body):
            let source = try value(collection)
            lambdaCount += 1
            let alias = "_e\(lambdaCount)"
            let from = dialect.jsonElements(source.sql, alias: alias)
            guard let body else {
                return SQLFragment("EXISTS (SELECT 1 FROM \(from))", source.bindings)
            }
            let saved = (elements, elementTypes)
            elements[variable] = alias
            elementTypes[variable] = collection.type?.element
            defer { (elements, elementTypes) = saved }
            let inner = try predicate(body)
            switch kind {
            case .any:
                return SQLFragment("EXISTS (SELECT 1 FROM \(from) WHERE ", source.bindings) + inner + ")"
            case .all:
                return SQLFragment("NOT EXISTS (SELECT 1 FROM \(from) WHERE NOT COALESCE(", source.bindings) + inner
                    + ", \(dialect.falseLiteral)))"
            }
        case .isOf(let types):
            guard !types.isEmpty else { return SQLFragment("1 = 0") }
            return "(" + typeCondition(types) + ")"
        case .property(_, _, .primitive(.boolean)), .element(_, _, .primitive(.boolean)), .typeCast(_, .property(_, _, .primitive(.boolean))):
            return "(" + (try value(e)) + " = " + SQLFragment.bind(.boolean(true)) + ")"
        case .constant(.boolean(let b), _):
            return SQLFragment(b ? "1 = 1" : "1 = 0")
        default:
            throw .badRequest("The expression '\(e)' is not true or false.")
        }
    }

    /// The row's concrete type (`_type`, unqualified) is one of `types`.
    private func typeCondition(_ types: [String]) -> SQLFragment {
        SQLFragment("\(row).\(dialect.quote("_type")) IN (") + SQLFragment.join(types.sorted().map { .bind(.text($0)) }, ", ") + ")"
    }

    /// Applies `body` to the SQL texts of two fragments, carrying bindings in the order they appear.
    private func combine(_ a: SQLFragment, _ b: SQLFragment, _ body: (String, String) -> String) -> SQLFragment {
        combine([a, b]) { body($0[0], $0[1]) }
    }

    /// Applies `body` to the SQL texts of `fragments`, carrying bindings in the order they appear.
    private func combine(_ fragments: [SQLFragment], _ body: ([String]) -> String) -> SQLFragment {
        // Fragments may repeat; spell each as a marker, then expand markers in order of appearance.
        let text = body(fragments.indices.map { "\u{1}\(Character(UnicodeScalar(UInt8(65 + $0))))\u{1}" })
        var out = SQLFragment("")
        var rest = Substring(text)
        // Found on the bytes: Foundation's `range(of:)` goes through NSString.
        while let marker = rest.utf8.firstIndex(of: 1) {
            out = out + String(rest[..<marker])
            rest = rest[rest.utf8.index(after: marker)...]
            let which = Int(rest.utf8.first! - 65)
            rest = rest.dropFirst(2)
            out = out + fragments[which]
        }
        return out + String(rest)
    }

    /// A DateTimeOffset (in ticks, wherever it is kept) in whole seconds since 1970, rounded down (before 1970 too).
    private mutating func seconds(_ e: BoundExpression) throws(ODataError) -> SQLFragment {
        let t = DateTimeOffset.ticksPerSecond
        return combine([try value(e)]) { "((\($0[0]) - (((\($0[0]) % \(t)) + \(t)) % \(t))) / \(t))" }
    }

    private mutating func comparison(_ op: ComparisonOperator, _ a: BoundExpression, _ b: BoundExpression) throws(ODataError)
        -> SQLFragment
    {
        let lhs = try value(a)
        if case .constant(.null, _) = b {
            switch op {
            case .eq: return "(" + lhs + " IS NULL)"
            case .ne: return "(" + lhs + " IS NOT NULL)"
            default: throw .badRequest("'\(op.rawValue)' cannot compare with null.")
            }
        }
        if case .constant(.null, _) = a { return try comparison(op, b, a) }
        let kind = kindOf(a)
        var left = lhs
        var right: SQLFragment
        if case .constant(let v, let t) = b {
            right = .bind(kind.encode(v, type: t ?? a.type ?? .primitive(.string), model: model))
        } else {
            right = try value(b)
            if op == .eq || op == .ne {  // two expressions: null equals null, as in OData
                let eq = combine(lhs, right) { dialect.nullSafeEqual($0, $1) }
                return op == .eq ? eq : "NOT " + eq
            }
        }
        // Ordering comparisons of enums kept by name compare their members' values.
        if kind == .enumName, op != .eq, op != .ne, case .enumeration(let name)? = a.type, let e = model.enumTypes[name] {
            left = enumRank(left, e)
            if case .constant(.enumMember(let m), _) = b {
                right = .bind(.integer(Int64(e.members.firstIndex { $0.name == m } ?? 0)))
            } else {
                right = enumRank(right, e)
            }
        }
        let symbol: String
        switch op {
        case .eq: symbol = "="
        case .ne: return "(" + left + " <> " + right + " OR " + lhs + " IS NULL)"
        case .gt: symbol = ">"
        case .ge: symbol = ">="
        case .lt: symbol = "<"
        case .le: symbol = "<="
        }
        return "(" + left + " \(symbol) " + right + ")"
    }

    /// Members ranked by declaration order (their values are not all known).
    private func enumRank(_ v: SQLFragment, _ e: EnumType) -> SQLFragment {
        var out = "CASE " + v
        for (i, m) in e.members.enumerated() { out = out + " WHEN \(dialect.literal(m.name)) THEN \(i)" }
        return out + " END"
    }

    /// The SQL of an `$orderby` key: enums kept by name sort by their members' order, as OData sorts them.
    public mutating func orderValue(_ e: BoundExpression) throws(ODataError) -> SQLFragment {
        let v = try value(e)
        if kindOf(e) == .enumName, case .enumeration(let name)? = e.type, let en = model.enumTypes[name] {
            return enumRank(v, en)
        }
        return v
    }

    /// The SQL of a value expression.
    public mutating func value(_ e: BoundExpression) throws(ODataError) -> SQLFragment {
        switch e {
        case .property("id", let path, _) where path.isEmpty:
            return SQLFragment("\(row).\(dialect.quote("id"))")  // the key, a column of every table
        case .property(let name, let path, let type):
            guard let index = table.columnIndex(name) else { throw .badRequest("'\(name)' cannot be queried.") }
            let column = "\(row).\(dialect.quote(table.columns[index].name))"
            guard !path.isEmpty else { return table.columns[index].kind == .flags ? shownFlags(column, type: type) : SQLFragment(column) }
            return jsonMember(column, path: path, type: type, reached: members(ofProperty: name, path: path))
        case .element(let variable, let path, let type):
            guard let alias = elements[variable] else { throw .badRequest("'\(variable)' is not a lambda variable in scope.") }
            let elementType = elementTypes[variable] ?? type
            guard !path.isEmpty else {
                let itself = Reached(holder: nil, property: Property(name: variable, type: .collection(elementType), nullable: false))
                return shownMember(dialect.jsonElementValue(alias: alias, kind: jsonKind(type)), in: nil, type: type, reached: [itself])
            }
            return jsonMember(
                dialect.jsonElementDocument(alias: alias), path: path, type: type, reached: members(from: elementType, path: path))
        case .typeCast(let types, let member):
            // Only the cast types hold the member: it is read as theirs.
            let saved = castTypes
            castTypes = types
            defer { castTypes = saved }
            return "(CASE WHEN " + typeCondition(types) + " THEN " + (try value(member)) + " END)"
        case .constant(let v, let t):
            let kind = t.map { ColumnKind($0) { model.enumTypes[$0]?.isFlags ?? false } } ?? .text
            return .bind(kind.encode(v, type: t ?? .primitive(.string), model: model))
        case .call(let f, let args):
            switch f {
            case .tolower: return combine([try value(args[0])]) { dialect.lower($0[0]) }
            case .toupper: return combine([try value(args[0])]) { dialect.upper($0[0]) }
            case .trim:
                // Whitespace as .NET's `String.Trim` removes it (Unicode's White_Space), not spaces alone.
                return combine(try value(args[0]), .bind(.text(Self.whitespace))) { dialect.trim($0, $1) }
            // In UTF-16 code units, as .NET counts text, by functions every backend has (`SQLDialect.functions`).
            case .length: return "statusgraph_length(" + (try value(args[0])) + ")"
            case .concat: return "(" + (try value(args[0])) + " || " + (try value(args[1])) + ")"
            case .indexof: return combine(try value(args[0]), try value(args[1])) { "statusgraph_indexof(\($0), \($1))" }
            case .substring:
                var parts = [try value(args[0]), try value(args[1])]
                if args.count > 2 { parts.append(try value(args[2])) }
                return combine(parts) { "statusgraph_substring(" + $0.joined(separator: ", ") + ")" }
            case .contains, .startswith, .endswith: return "(" + (try predicate(e)) + ")"
            case .year, .month, .day, .hour, .minute, .second:
                let part = DatePart(rawValue: f.rawValue)!  // named alike
                return combine([try seconds(args[0])]) { dialect.datePart(part, seconds: $0[0]) }
            case .date: return combine([try seconds(args[0])]) { dialect.date(seconds: $0[0]) }
            case .fractionalseconds:
                // Divided by a bound double: a literal `10000000.0` is a numeric on PostgreSQL, not a double.
                let t = DateTimeOffset.ticksPerSecond
                return combine([try value(args[0]), .bind(.real(Double(t)))]) { "((((\($0[0]) % \(t)) + \(t)) % \(t)) / \($0[1]))" }
            case .totaloffsetminutes:
                // Stored in UTC, as Graph answers them: the offset is 0 (and null stays null).
                return combine([try value(args[0])]) { "(CASE WHEN \($0[0]) IS NULL THEN NULL ELSE 0 END)" }
            case .now: return .bind(.integer(DateTimeOffset.now().ticks))  // one value for the whole statement
            case .mindatetime: return .bind(.integer(DateTimeOffset.minValue.ticks))
            case .maxdatetime: return .bind(.integer(DateTimeOffset.maxValue.ticks))
            }
        case .arithmetic(let op, let a, let b):
            // Beyond 64 bits, or a double's range, the statement fails on every backend (a 400), as on PostgreSQL.
            let integer = e.type != .primitive(.double)
            if op == .mod, !integer {
                return combine(try value(a), try value(b)) { dialect.checkedNumber(dialect.realRemainder($0, $1), integer: false) }
            }
            let symbol = ["add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%"][op.rawValue]!
            // Dividing by zero gives null (a comparison with it false) on every backend, as SQLite has it;
            // PostgreSQL would fail the statement.
            let divisor = op == .div || op == .mod ? "NULLIF(" + (try value(b)) + ", 0)" : try value(b)
            return combine(try value(a), divisor) { dialect.checkedNumber("(\($0) \(symbol) \($1))", integer: integer) }
        case .count(let collection):
            // A null collection has no members, as an empty one.
            return combine([try value(collection)]) { "COALESCE(\(dialect.jsonArrayLength($0[0])), 0)" }
        default:
            return "(" + (try predicate(e)) + ")"
        }
    }

    /// The member at `path` inside the JSON `document` as the answer shows it (`shownMember`), null where a
    /// type cast on the way does not hold (`cast`).
    private func jsonMember(_ document: String, path: [String], type: TypeReference, reached: [Reached]) -> SQLFragment {
        let memberPath = path.filter { !BoundExpression.isCast($0) }
        let member = shownMember(
            dialect.jsonValue(document, path: memberPath, kind: jsonKind(type)), in: (document, memberPath), type: type, reached: reached)
        return cast(member, in: document, path: path)
    }

    /// How a member is read out of JSON: dates and flags as the text JSON keeps them (then made ticks and a
    /// mask by `shownMember`).
    private func jsonKind(_ type: TypeReference) -> ColumnKind {
        switch ColumnKind(type, isFlagsEnum: { model.enumTypes[$0]?.isFlags ?? false }) {
        case .timestamp, .flags: return .text
        case let kind: return kind
        }
    }

    private func kindOf(_ e: BoundExpression) -> ColumnKind {
        switch e {
        case .property(let name, let path, _) where path.isEmpty:
            return table.columnIndex(name).map { table.columns[$0].kind } ?? .text
        case .typeCast(_, let member):
            return kindOf(member)
        default:
            return e.type.map { ColumnKind($0) { model.enumTypes[$0]?.isFlags ?? false } } ?? .text
        }
    }
}
