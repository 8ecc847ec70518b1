import ODataModel

/// Binds `$filter` and `$orderby` syntax to an entity type: resolves members, checks types, and
/// types literals by the side they are compared with (`installState eq 'failed'` reads `'failed'` as
/// a member of the property's enum). Errors are 400s naming the option and the member.
public struct ExpressionBinder: Sendable {
    public let model: EdmModel
    public let type: StructuredType
    public let option: String

    public init(model: EdmModel, type: StructuredType, option: String = "$filter") {
        self.model = model
        self.type = type
        self.option = option
    }

    private func fail(_ message: String) -> ODataError { .badRequest("\(option): \(message)", target: option) }

    /// Binds a boolean expression (a `$filter`).
    public func bindFilter(_ syntax: ExpressionSyntax) throws(ODataError) -> BoundExpression {
        let bound = try bind(syntax, scope: [:])
        guard bound.type == .primitive(.boolean) else { throw fail("the expression must be true or false, not of type \(Self.name(bound.type)).") }
        return bound
    }

    /// Binds one `$orderby` key: a value of a primitive or enum type.
    public func bindOrderKey(_ syntax: ExpressionSyntax) throws(ODataError) -> BoundExpression {
        let bound = try bind(syntax, scope: [:])
        switch bound.type {
        case .primitive?, .enumeration?: return bound
        default: throw fail("cannot order by '\(syntax)': it is of type \(Self.name(bound.type)).")
        }
    }

    private func bind(_ syntax: ExpressionSyntax, scope: [String: TypeReference]) throws(ODataError) -> BoundExpression {
        switch syntax {
        case .literal(let literal):
            return try bindLiteral(literal, expected: nil)
        case .member(let path):
            return try bindMember(path, scope: scope)
        case .not(let inner):
            let e = try bind(inner, scope: scope)
            guard e.type == .primitive(.boolean) else { throw fail("'not' needs a true/false operand.") }
            return .not(e)
        case .negate(let inner):
            let e = try bind(inner, scope: scope)
            return .arithmetic(.sub, .constant(.integer(0), .primitive(.int64)), e)
        case .binary(let op, let lhs, let rhs):
            return try bindBinary(op, lhs, rhs, scope: scope)
        case .in(let lhs, let items):
            let left = try bind(lhs, scope: scope)
            var values: [ODataValue] = []
            for item in items {
                guard case .literal(let literal) = item else { throw fail("the items of an 'in' list must be literals.") }
                let c = try bindLiteral(literal, expected: left.type)
                try checkComparable(left, c, "in")
                guard case .constant(let v, _) = c else { continue }
                values.append(v)
            }
            return .membership(left, values)
        case .call(let name, let args):
            return try bindCall(name, args, scope: scope)
        case .lambda(let kind, let collectionPath, let variable, let body):
            let collection = try bindMember(collectionPath, scope: scope)
            guard case .collection(let element)? = collection.type else {
                throw fail("'\(collectionPath.joined(separator: "/"))' is not a collection; '\(kind.rawValue)' needs one.")
            }
            guard let variable else { return .lambda(kind, collection: collection, variable: "", body: nil) }
            guard scope[variable] == nil, type.property(named: variable) == nil else {
                throw fail("the lambda variable '\(variable)' hides another name.")
            }
            var inner = scope
            inner[variable] = element
            let b = try bind(body!, scope: inner)
            guard b.type == .primitive(.boolean) else { throw fail("the body of '\(kind.rawValue)' must be true or false.") }
            return .lambda(kind, collection: collection, variable: variable, body: b)
        case .count(let collectionPath):
            let collection = try bindMember(collectionPath, scope: scope)
            guard case .collection? = collection.type else {
                throw fail("'\(collectionPath.joined(separator: "/"))' is not a collection; '$count' needs one.")
            }
            // Through a cast on the entity that does not hold, the count is null, as the collection is.
            if case .typeCast(let types, let inner) = collection { return .typeCast(types: types, value: .count(inner)) }
            return .count(collection)
        }
    }

    private func bindMember(_ path: [String], scope: [String: TypeReference]) throws(ODataError) -> BoundExpression {
        var path = path[...]
        if path.first == "$it" { path = path.dropFirst() }
        guard let first = path.first else { throw fail("an empty member path.") }
        if let elementType = scope[first] {
            let (type, rest) = try walk(elementType, Array(path.dropFirst()), from: first)
            return .element(variable: first, path: rest, type: type)
        }
        var owner = type
        var castTypes: [String]?
        if first.utf8.contains(UInt8(ascii: ".")), let cast = model.structuredType(qualified: Substring(first)) {
            guard type.isAssignable(from: cast) else { throw fail("'\(first)' is not a type derived from \(model.namespace).\(type.name).") }
            owner = cast
            path = path.dropFirst()
            // Null on entities of other types; a cast to the collection's own type holds for every entity.
            if cast.name != type.name { castTypes = [cast.name] + cast.derivedTypes }
        }
        guard let name = path.first else { throw fail("a type cast must be followed by a property.") }
        // Property names in any case, as Graph takes them; bound as the model spells them.
        guard let property = owner.property(matching: name) else {
            if owner.navigationProperty(matching: name) != nil {
                throw fail("navigation property '\(name)' cannot be used here; filter the related entities through \(name) itself or $expand.")
            }
            throw fail("could not find a property named '\(name)' on type '\(model.namespace).\(owner.name)'.")
        }
        let (type, rest) = try walk(property.type, Array(path.dropFirst()), from: property.name)
        let member = BoundExpression.property(name: property.name, path: rest, type: type)
        return castTypes.map { .typeCast(types: $0, value: member) } ?? member
    }

    /// The type reached by following `path` into complex values, and the path as the model spells it
    /// (a cast as its `@odata.type`, `#microsoft.graph.…`).
    private func walk(_ start: TypeReference, _ path: [String], from root: String) throws(ODataError) -> (TypeReference, [String]) {
        let walked: ComplexPath
        do { walked = try ComplexPath.walk(start, path, from: root, in: model) } catch { throw fail(error.message) }
        let names = walked.steps.map { step in
            switch step {
            case .member(let name): return name
            case .cast(let type): return model.odataType(of: type.name)
            }
        }
        return (walked.type, names)
    }

    private func bindBinary(_ op: BinaryOperator, _ lhs: ExpressionSyntax, _ rhs: ExpressionSyntax, scope: [String: TypeReference])
        throws(ODataError) -> BoundExpression
    {
        switch op {
        case .and, .or:
            let a = try bind(lhs, scope: scope)
            let b = try bind(rhs, scope: scope)
            guard a.type == .primitive(.boolean), b.type == .primitive(.boolean) else {
                throw fail("'\(op.rawValue)' needs true/false operands.")
            }
            return op == .and ? .and(a, b) : .or(a, b)
        case .eq, .ne, .gt, .ge, .lt, .le:
            var (a, b) = try bindPair(lhs, rhs, scope: scope)
            try checkComparable(a, b, op.rawValue)
            if op != .eq && op != .ne {
                if a.type == nil || b.type == nil { throw fail("'\(op.rawValue)' cannot compare with null.") }
                if case .primitive(.boolean)? = a.type { throw fail("'\(op.rawValue)' cannot order true/false values.") }
            }
            if case .constant = a, !(b.isConstant) { swap(&a, &b); return .comparison(Self.mirror(ComparisonOperator(rawValue: op.rawValue)!), a, b) }
            return .comparison(ComparisonOperator(rawValue: op.rawValue)!, a, b)
        case .has:
            let a = try bind(lhs, scope: scope)
            guard case .enumeration(let name)? = a.type, let e = model.enumTypes[name], e.isFlags else {
                throw fail("'has' needs a flags enum on its left, such as applicableArchitectures.")
            }
            let b = try bind(rhs, scope: scope, expected: a.type)
            guard case .constant(.flags(let mask), _) = b else { throw fail("'has' needs a member of \(model.namespace).\(name) on its right.") }
            return .has(a, mask: mask)
        case .add, .sub, .mul, .div, .mod:
            let a = try bind(lhs, scope: scope)
            let b = try bind(rhs, scope: scope)
            guard Self.isNumeric(a.type), Self.isNumeric(b.type) else { throw fail("'\(op.rawValue)' needs numbers.") }
            return .arithmetic(ArithmeticOperator(rawValue: op.rawValue)!, a, b)
        }
    }

    /// Binds two operands, typing a literal on one side by the other side.
    private func bindPair(_ lhs: ExpressionSyntax, _ rhs: ExpressionSyntax, scope: [String: TypeReference]) throws(ODataError)
        -> (BoundExpression, BoundExpression)
    {
        if case .literal = lhs, !isLiteral(rhs) {
            let b = try bind(rhs, scope: scope)
            return (try bind(lhs, scope: scope, expected: b.type), b)
        }
        let a = try bind(lhs, scope: scope)
        return (a, try bind(rhs, scope: scope, expected: a.type))
    }

    private func isLiteral(_ s: ExpressionSyntax) -> Bool {
        if case .literal = s { return true }
        return false
    }

    private func bind(_ syntax: ExpressionSyntax, scope: [String: TypeReference], expected: TypeReference?) throws(ODataError)
        -> BoundExpression
    {
        if case .literal(let literal) = syntax { return try bindLiteral(literal, expected: expected) }
        return try bind(syntax, scope: scope)
    }

    private func bindCall(_ name: String, _ args: [ExpressionSyntax], scope: [String: TypeReference]) throws(ODataError)
        -> BoundExpression
    {
        // Function names in any case, as Graph takes them.
        let name = name.lowercased()
        if name == "isof" { return try bindIsOf(args) }
        guard let f = FunctionName(rawValue: name) else {
            throw fail("the function '\(name)' is not supported; supported are \(FunctionName.allCases.map(\.rawValue).joined(separator: ", ")), isof.")
        }
        let most = f.parameters.count, least = most - f.optionalParameters
        guard args.count >= least, args.count <= most else {
            let count = least == most ? "\(most)" : "\(least) or \(most)"
            throw fail("'\(name)' takes \(count) argument\(most == 1 ? "" : "s").")
        }
        var bound: [BoundExpression] = []
        for (arg, kind) in zip(args, f.parameters) {
            let b = try bind(arg, scope: scope, expected: .primitive(kind))
            switch kind {
            case .string:
                guard b.type == .primitive(.string) else { throw fail("'\(name)' needs text arguments, not \(Self.name(b.type)).") }
            case .int32:
                guard b.type == .primitive(.int32) || b.type == .primitive(.int64) else {
                    throw fail("'\(name)' needs a whole number here, not \(Self.name(b.type)).")
                }
            default:
                guard b.type == .primitive(kind) else {
                    throw fail("'\(name)' needs an argument of type \(Self.name(.primitive(kind))), not \(Self.name(b.type)).")
                }
            }
            bound.append(b)
        }
        return .call(f, bound)
    }

    /// `isof('microsoft.graph.win32LobApp')` (quoted, as Intune's own portal sends it, or not): whether the
    /// entity is of that type or one derived from it; the type must be this collection's or derive from it,
    /// as a type-cast segment's must.
    private func bindIsOf(_ args: [ExpressionSyntax]) throws(ODataError) -> BoundExpression {
        let name: String
        switch args.count == 1 ? args[0] : nil {
        case .literal(.string(let text))?: name = text
        case .member(let path)? where path.count == 1: name = path[0]
        default: throw fail("'isof' takes one qualified type name, such as isof('\(model.namespace).\(type.name)').")
        }
        guard let target = model.structuredType(qualified: Substring(name)) else {
            throw fail("'\(name)' is not a type of this service.")
        }
        guard type.isAssignable(from: target) else { throw fail("'\(name)' is not a type derived from \(model.namespace).\(type.name).") }
        return .isOf(types: [target.name] + target.derivedTypes)
    }

    private func checkComparable(_ a: BoundExpression, _ b: BoundExpression, _ op: String) throws(ODataError) {
        guard let ta = a.type, let tb = b.type else { return }  // null compares with anything
        if ta == .primitive(.binary) || tb == .primitive(.binary) {
            throw fail("Edm.Binary values can be compared only with null ('eq null', 'ne null'), as OData defines.")
        }
        if ta == tb { return }
        if Self.isNumeric(ta) && Self.isNumeric(tb) { return }
        if Self.isText(ta) && Self.isText(tb) { return }
        throw fail("cannot compare \(Self.name(ta)) with \(Self.name(tb)) using '\(op)'.")
    }

    private func bindLiteral(_ literal: LiteralSyntax, expected: TypeReference?) throws(ODataError) -> BoundExpression {
        let expected = expected?.element
        switch literal {
        case .null: return .constant(.null, nil)
        case .boolean(let b): return .constant(.boolean(b), .primitive(.boolean))
        case .number(let text):
            if expected == .primitive(.double) || text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                guard let d = Double(text) else { throw fail("'\(text)' is not a number.") }
                return .constant(.double(d), .primitive(.double))
            }
            guard let n = Int64(text) else { throw fail("'\(text)' is out of range.") }
            return .constant(.integer(n), .primitive(.int64))
        case .string(let s):
            switch expected {
            case .enumeration(let name)?:
                return try enumConstant(name, s)
            case .primitive(.guid)?:
                guard PrimitiveLiterals.isGuid(s) else { throw fail("'\(s)' is not a GUID.") }
                return .constant(.string(s.lowercased()), .primitive(.guid))
            case .primitive(.dateTimeOffset)?:
                throw fail("'\(s)' is quoted; write a DateTimeOffset without quotes, such as 2017-01-01T00:00:00Z.")
            default:
                return .constant(.string(s), .primitive(.string))
            }
        case .dateTimeOffset(let s):
            guard let d = DateTimeOffset(parsing: s) else { throw fail("'\(s)' is not a valid DateTimeOffset.") }
            return .constant(.dateTimeOffset(d), .primitive(.dateTimeOffset))
        case .date(let s): return .constant(.string(s), .primitive(.date))
        case .guid(let s): return .constant(.string(s.lowercased()), .primitive(.guid))
        case .duration(let s):
            guard PrimitiveLiterals.isDuration(s) else { throw fail("'\(s)' is not a valid duration.") }
            return .constant(.string(s), .primitive(.duration))
        case .binary(let s):
            guard let bytes = Base64.decode(s) else { throw fail("binary'\(s)' is not base64url-encoded binary.") }
            return .constant(.binary(bytes), .primitive(.binary))
        case .enumMember(let typeName, let value):
            guard let e = model.enumTypes[String(typeName.split(separator: ".").last ?? "")],
                typeName == "\(model.namespace).\(e.name)" || typeName == e.name || typeName == "graph.\(e.name)"
            else { throw fail("'\(typeName)' is not an enum type of this service.") }
            if case .enumeration(let want)? = expected, want != e.name {
                throw fail("'\(typeName)' is not the type of the value it is compared with (\(model.namespace).\(want)).")
            }
            return try enumConstant(e.name, value)
        }
    }

    private func enumConstant(_ name: String, _ text: String) throws(ODataError) -> BoundExpression {
        guard let e = model.enumTypes[name] else { throw fail("unknown enum type \(name).") }
        func unknown(_ m: some StringProtocol) -> ODataError {
            fail("'\(m)' is not a member of \(model.namespace).\(name); expected one of: \(e.members.map(\.name).joined(separator: ", ")).")
        }
        if e.isFlags {
            var mask: Int64 = 0
            for part in text.split(separator: ",") {
                let trimmed = part.trimmingSpaces()
                guard let m = e.member(named: String(trimmed)), let v = m.value else { throw unknown(trimmed) }
                mask |= v
            }
            return .constant(.flags(mask), .enumeration(name))
        }
        guard e.member(named: text) != nil else { throw unknown(text) }
        return .constant(.enumMember(text), .enumeration(name))
    }

    private static func mirror(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .eq, .ne: return op
        case .gt: return .lt
        case .ge: return .le
        case .lt: return .gt
        case .le: return .ge
        }
    }

    static func isNumeric(_ t: TypeReference?) -> Bool {
        switch t {
        case .primitive(.int32)?, .primitive(.int64)?, .primitive(.double)?: return true
        default: return false
        }
    }

    static func isText(_ t: TypeReference?) -> Bool {
        switch t {
        case .primitive(.string)?, .primitive(.guid)?: return true
        default: return false
        }
    }

    static func name(_ t: TypeReference?) -> String { t.map(\.description) ?? "null" }
}

extension BoundExpression {
    var isConstant: Bool {
        if case .constant = self { return true }
        return false
    }
}
