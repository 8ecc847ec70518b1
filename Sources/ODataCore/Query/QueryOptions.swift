/// The system query options of a request, parsed from the raw query string as the Kiota-based SDKs
/// send it (`%24filter=…` or `$filter=…`, `+` or `%20` for spaces, names case-insensitive).
public struct QueryOptions: Sendable, Equatable {
    /// Option name (lower-cased, with `$`) → decoded value.
    public private(set) var values: [String: String] = [:]
    /// The options as written, in order, for `@odata.nextLink` (without `$skiptoken`).
    public private(set) var passthrough: [(name: String, value: String)] = []

    public static func == (a: QueryOptions, b: QueryOptions) -> Bool { a.values == b.values }

    /// System query options OData defines.
    public static let known: Set<String> = [
        "$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$search", "$skiptoken", "$format",
        "$apply", "$compute", "$deltatoken", "$levels", "$index", "$schemaversion", "$id",
    ]

    /// The options this server implements.
    public static let supported: Set<String> = ["$skiptoken"]

    public init() {}

    public init(parsing raw: Substring?) throws(ODataError) {
        guard let raw, !raw.isEmpty else { return }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: "=")
            let rawName = eq.map { pair[..<$0] } ?? pair
            let rawValue = eq.map { pair[pair.index(after: $0)...] } ?? ""
            guard let decodedName = PercentDecoding.decode(rawName, plusAsSpace: true),
                let value = PercentDecoding.decode(rawValue, plusAsSpace: true)
            else { throw .badRequest("The query string is not validly percent-encoded near '\(pair.prefix(60))'.") }
            var name = decodedName.trimmingCharacters(in: " ")
            guard name.hasPrefix("$") || name.lowercased().hasPrefix("$") else { continue }  // custom options are ignored
            name = name.lowercased()
            guard Self.known.contains(name) else {
                throw .badRequest("The query parameter '\(decodedName)' is not supported.", target: decodedName)
            }
            if name == "$search" {
                throw .badRequest("The query option '$search' is not supported on this resource.", target: name)
            }
            guard Self.supported.contains(name) else {
                throw .badRequest("The query option '\(name)' is not supported by StatusGraph yet.", target: name)
            }
            guard values[name] == nil else {
                throw .badRequest("The query option '\(name)' is given more than once.", target: name)
            }
            values[name] = value
            if name != "$skiptoken" { passthrough.append((name, value)) }
        }
    }

    public subscript(name: String) -> String? { values[name] }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// The opaque `$skiptoken` of server-driven paging: the key of the last member of the previous page.
public enum SkipToken {
    private static let prefix = "k1:"

    public static func encode(lastKey: String) -> String {
        Base64.encode(Array((prefix + lastKey).utf8))
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ token: String) throws(ODataError) -> String {
        guard let bytes = Base64.decode(token), let text = String(validating: bytes, as: UTF8.self),
            text.hasPrefix(prefix)
        else { throw .badRequest("The $skiptoken is not valid; use @odata.nextLink as the service returned it.", target: "$skiptoken") }
        return String(text.dropFirst(prefix.count))
    }
}
