/// Parses `$filter` and `$orderby` values into syntax trees (OData ABNF precedence), within limits.
public struct ExpressionParser {
    public struct Limits: Sendable {
        /// Deepest nesting of the tree.
        public var maxDepth = 32
        /// Most nodes in one expression.
        public var maxNodes = 200
        /// Most items in one `in (...)` list.
        public var maxInItems = 100
        public init() {}
    }

    private struct Lexed {
        let token: ExpressionLexer.Token
        let spaceBefore: Bool
        let position: Int
    }

    private let tokens: [Lexed]
    private var index = 0
    private var nodes = 0
    private var depth = 0
    private let limits: Limits
    private let option: String
    private let text: String

    private init(_ text: String, option: String, limits: Limits) throws(ODataError) {
        var lexer = ExpressionLexer(text)
        var tokens: [Lexed] = []
        while true {
            let token: ExpressionLexer.Token
            do {
                token = try lexer.next()
            } catch {
                let what = error.isLiteral ? "Invalid literal" : "Syntax error"
                throw .badRequest("\(what) in \(option) at position \(error.position): \(error.problem).", target: option)
            }
            tokens.append(Lexed(token: token, spaceBefore: lexer.spaceBefore, position: lexer.tokenStart))
            if token == .end { break }
        }
        self.tokens = tokens
        self.limits = limits
        self.option = option
        self.text = text
    }

    /// Parses a boolean expression such as a `$filter` value.
    public static func parseFilter(_ text: String, limits: Limits = Limits(), option: String = "$filter") throws(ODataError)
        -> ExpressionSyntax
    {
        var parser = try ExpressionParser(text, option: option, limits: limits)
        guard parser.peek != .end else { throw .badRequest("The \(option) expression is empty.", target: option) }
        let expression = try parser.expression(0)
        try parser.expectEnd()
        return expression
    }

    /// Parses `$orderby`: comma-separated expressions, each optionally followed by `asc` or `desc`.
    public static func parseOrderBy(_ text: String, limits: Limits = Limits()) throws(ODataError) -> [OrderBySyntax] {
        var parser = try ExpressionParser(text, option: "$orderby", limits: limits)
        var items: [OrderBySyntax] = []
        repeat {
            let e = try parser.expression(0)
            var descending = false
            if case .identifier(let word) = parser.peek, word == "asc" || word == "desc" {
                descending = word == "desc"
                parser.index += 1
            }
            items.append(OrderBySyntax(expression: e, descending: descending))
        } while parser.take(.comma)
        try parser.expectEnd()
        return items
    }

    private var peek: ExpressionLexer.Token { tokens[index].token }

    private mutating func take(_ t: ExpressionLexer.Token) -> Bool {
        guard peek == t else { return false }
        index += 1
        return true
    }

    private func error(_ message: String) -> ODataError {
        let position = ExpressionLexer.characterPosition(tokens[index].position, in: text)
        return .badRequest("Syntax error in \(option) at position \(position): \(message).", target: option)
    }

    private mutating func expect(_ t: ExpressionLexer.Token, _ what: String) throws(ODataError) {
        guard take(t) else { throw error("expected \(what)") }
    }

    private mutating func expectEnd() throws(ODataError) {
        guard peek == .end else { throw error("unexpected '\(Self.describe(peek))'") }
    }

    private mutating func node<T>(_ value: T) throws(ODataError) -> T {
        nodes += 1
        guard nodes <= limits.maxNodes else {
            throw .badRequest("The \(option) expression has more than \(limits.maxNodes) nodes.", target: option)
        }
        return value
    }

    private mutating func enter() throws(ODataError) {
        depth += 1
        guard depth <= limits.maxDepth else {
            throw .badRequest("The \(option) expression is nested deeper than \(limits.maxDepth) levels.", target: option)
        }
    }

    private mutating func expression(_ minPrecedence: Int) throws(ODataError) -> ExpressionSyntax {
        try enter()
        defer { depth -= 1 }
        var lhs = try unary()
        while case .identifier(let word) = peek {
            if word == "in" {
                guard BinaryOperator.eq.precedence + 1 >= minPrecedence else { break }  // relational
                index += 1
                try expect(.open, "'(' after in")
                var items: [ExpressionSyntax] = []
                if !take(.close) {
                    repeat {
                        items.append(try primary())
                        guard items.count <= limits.maxInItems else {
                            throw .badRequest("An 'in' list has more than \(limits.maxInItems) items.", target: option)
                        }
                    } while take(.comma)
                    try expect(.close, "')' to close the in list")
                }
                lhs = try node(.in(lhs, items))
                continue
            }
            guard let op = BinaryOperator(rawValue: word), op.precedence >= minPrecedence else { break }
            index += 1
            let rhs = try expression(op.precedence + 1)
            lhs = try node(.binary(op, lhs, rhs))
        }
        return lhs
    }

    private mutating func unary() throws(ODataError) -> ExpressionSyntax {
        if case .identifier("not") = peek, tokens[index + 1].token != .open || tokens[index + 1].spaceBefore {
            index += 1
            try enter()
            defer { depth -= 1 }
            return try node(.not(try unary()))
        }
        if case .identifier("not") = peek {  // not(...)
            index += 1
            return try node(.not(try primary()))
        }
        return try primary()
    }

    private mutating func primary() throws(ODataError) -> ExpressionSyntax {
        let token = peek
        index += 1
        switch token {
        case .open:
            let inner = try expression(0)
            try expect(.close, "')'")
            return inner
        case .string(let s): return try node(.literal(.string(s)))
        case .number(let n): return try node(.literal(.number(n)))
        case .dateTimeOffset(let s): return try node(.literal(.dateTimeOffset(s)))
        case .date(let s): return try node(.literal(.date(s)))
        case .guid(let s): return try node(.literal(.guid(s)))
        case .identifier(let name):
            switch name {
            case "null": return try node(.literal(.null))
            case "true": return try node(.literal(.boolean(true)))
            case "false": return try node(.literal(.boolean(false)))
            default: break
            }
            if case .string(let value) = peek, !tokens[index].spaceBefore {
                index += 1
                switch name.lowercased() {
                case "duration": return try node(.literal(.duration(value)))
                case "binary": return try node(.literal(.binary(value)))
                case "guid": return try node(.literal(.guid(value)))
                default: return try node(.literal(.enumMember(type: name, value: value)))
                }
            }
            if peek == .open, !tokens[index].spaceBefore {
                index += 1
                var args: [ExpressionSyntax] = []
                if !take(.close) {
                    repeat { args.append(try expression(0)) } while take(.comma)
                    try expect(.close, "')' to close the arguments of \(name)")
                }
                return try node(.call(name, args))
            }
            return try memberPath(first: name)
        case .close, .comma, .slash, .colon, .end:
            index -= 1
            throw error(token == .end ? "the expression ends too early" : "unexpected '\(Self.describe(token))'")
        }
    }

    private mutating func memberPath(first: String) throws(ODataError) -> ExpressionSyntax {
        var path = [first]
        while take(.slash) {
            guard case .identifier(let name) = peek else { throw error("expected a property name after '/'") }
            index += 1
            if (name == "any" || name == "all"), peek == .open {
                index += 1
                let kind = LambdaKind(rawValue: name)!
                if take(.close) {
                    guard kind == .any else { throw error("all() needs a lambda expression") }
                    return try node(.lambda(kind, collection: path, variable: nil, body: nil))
                }
                guard case .identifier(let variable) = peek else { throw error("expected a lambda variable name") }
                index += 1
                try expect(.colon, "':' after the lambda variable")
                let body = try expression(0)
                try expect(.close, "')' to close the lambda")
                return try node(.lambda(kind, collection: path, variable: variable, body: body))
            }
            if name == "$count" {
                if peek == .open { throw error("'/$count' takes no options here") }
                return try node(.count(collection: path))
            }
            path.append(name)
        }
        return try node(.member(path))
    }

    private static func describe(_ t: ExpressionLexer.Token) -> String {
        switch t {
        case .identifier(let s), .number(let s), .dateTimeOffset(let s), .date(let s), .guid(let s): return s
        case .string(let s): return "'\(s)'"
        case .open: return "("
        case .close: return ")"
        case .comma: return ","
        case .slash: return "/"
        case .colon: return ":"
        case .end: return "end"
        }
    }
}

/// One `$orderby` item as written.
public struct OrderBySyntax: Sendable, Equatable, CustomStringConvertible {
    public let expression: ExpressionSyntax
    public let descending: Bool
    public var description: String { "\(expression) \(descending ? "desc" : "asc")" }
}
