import ODataCore

/// How an answer's JSON is written, as its request asks with the parameters of `application/json` in
/// `Accept` or `$format` (OData JSON §3): how much control information it carries, and whether
/// `Edm.Int64` numbers travel as strings. Graph honours both.
struct JSONFormat: Sendable, Equatable {
    /// How much control information an answer carries (`odata.metadata`, §3.1).
    enum Metadata: String, Sendable {
        /// `@odata.context`, `@odata.type` of entities and complex values, paging and counts (§3.1.1).
        case minimal
        /// No `@odata.context` and no `@odata.type`; `@odata.nextLink` and `@odata.count` stay (§3.1.3).
        case none
        /// Minimal's, and each entity's id, edit and navigation links and each property's type where its
        /// JSON does not tell it (§3.1.2; `FullMetadata`).
        case full
    }

    var metadata = Metadata.minimal
    /// `IEEE754Compatible=true`: `Edm.Int64` values and `@odata.count` as strings (§3.2), exact in
    /// JavaScript, whose numbers keep 53 bits.
    var int64AsStrings = false

    static let standard = JSONFormat()

    /// The format the parameters of a JSON media type ask for: `odata.metadata` (or 4.01's `metadata`)
    /// and `IEEE754Compatible`, names and values in any case; others are not weighed.
    init(parameters: some Sequence<Substring>) {
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let value = HeaderValues.trimmed(pair[1]).lowercased()
            switch HeaderValues.trimmed(pair[0]).lowercased() {
            case "odata.metadata", "metadata": metadata = Metadata(rawValue: value) ?? .minimal
            case "ieee754compatible": int64AsStrings = value == "true"
            default: break
            }
        }
    }

    init() {}

    /// The format `$format` asks for (`json`, or `application/json` with parameters).
    init(formatOption value: String) {
        self.init(parameters: value.split(separator: ";").dropFirst())
    }

    /// `odata.metadata=none`: the answer's writers leave out `@odata.context` and `@odata.type`.
    var omitsMetadata: Bool { metadata == .none }

    /// The media type of an answer in this format, as Graph writes it.
    var contentType: String {
        switch (metadata, int64AsStrings) {
        case (.minimal, false): "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        case (.minimal, true): "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
        case (.none, false): "application/json;odata.metadata=none;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        case (.none, true): "application/json;odata.metadata=none;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
        case (.full, false): "application/json;odata.metadata=full;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        case (.full, true): "application/json;odata.metadata=full;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
        }
    }
}

extension JSONWriter {
    /// `@odata.count`'s value: an `Edm.Int64`, a string in `IEEE754Compatible=true`.
    mutating func count(_ n: Int, format: JSONFormat) {
        if format.int64AsStrings { string(String(n)) } else { int(Int64(n)) }
    }
}

extension JSONValue {
    /// The value without control information (`@odata.type`, and any member named `…@odata.…`), at
    /// any depth: how `odata.metadata=none` writes a complex value.
    var withoutControlInformation: JSONValue {
        switch self {
        case .object(let o):
            return .object(JSONObject(o.members.compactMap { member in
                member.key.contains("@odata.")
                    ? nil : (key: member.key, value: member.value.withoutControlInformation)
            }))
        case .array(let items): return .array(items.map(\.withoutControlInformation))
        case .null, .bool, .number, .string: return self
        }
    }
}
