/// What a request's `Prefer` header asks for (RFC 7240; OData 4.01 §8.2.8), of what this service honours:
/// `return=minimal` (204 instead of the entity) and `odata.maxpagesize=N` (smaller pages). Other
/// preferences, and values that are not what they should be, are ignored, as RFC 7240 has it.
public struct Preferences: Sendable, Equatable {
    public var returnMinimal = false
    /// The most members a page may hold, when the client asks for fewer than the service's page size.
    public var maxPageSize: Int?

    public init(returnMinimal: Bool = false, maxPageSize: Int? = nil) {
        self.returnMinimal = returnMinimal
        self.maxPageSize = maxPageSize
    }

    /// The preferences of `values` (each a `Prefer` field's value: preferences separated by commas, each
    /// `token[=value]` with optional `;parameters`, tokens in any case, values possibly quoted).
    public init(parsing values: some Sequence<String>) {
        for value in values {
            for item in value.split(separator: ",") {
                let preference = item.split(separator: ";", maxSplits: 1).first ?? item[...]
                let parts = preference.split(separator: "=", maxSplits: 1)
                guard let token = parts.first.map({ String(Self.trimmed($0)).lowercased() }) else { continue }
                var argument = parts.count > 1 ? Self.trimmed(parts[1]) : ""
                if argument.count >= 2, argument.first == "\"", argument.last == "\"" { argument = argument.dropFirst().dropLast() }
                switch token {
                case "return":
                    if argument.lowercased() == "minimal" { returnMinimal = true }
                case "odata.maxpagesize", "maxpagesize":
                    // A first valid one counts; a page of none is no page.
                    if maxPageSize == nil, argument.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(argument), n >= 1 {
                        maxPageSize = n
                    }
                default:
                    continue
                }
            }
        }
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
