import ODataCore
import Storage

/// Where the next page starts: the order keys and id of the last member sent, how many were sent,
/// and a fingerprint of the request (tenant, path, filter, order), so that a token only works for
/// the query that produced it.
struct PagingToken: Equatable {
    var keys: [SQLValue]
    var returned: Int
    var fingerprint: String
    /// The page size the client preferred, when smaller than the service's (`Prefer: odata.maxpagesize`).
    var pageSize: Int?

    func payload() -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.key("q"); w.string(fingerprint)
        w.key("n"); w.int(Int64(returned))
        if let pageSize { w.key("s"); w.int(Int64(pageSize)) }
        w.key("k")
        w.beginArray()
        for key in keys {
            switch key {
            case .null: w.null()
            case .integer(let n): w.string("i" + String(n))
            case .real(let d): w.string("r" + String(d.bitPattern))
            case .text(let s): w.string("t" + s)
            case .boolean(let b): w.string(b ? "b1" : "b0")
            case .blob(let bytes): w.string("x" + Base64.encode(bytes))
            }
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    init(keys: [SQLValue], returned: Int, fingerprint: String, pageSize: Int? = nil) {
        self.keys = keys
        self.returned = returned
        self.fingerprint = fingerprint
        self.pageSize = pageSize
    }

    /// Reads a verified payload; nil when it is not one this service writes.
    init?(payload: [UInt8]) {
        guard case .object(let o)? = try? JSONParser.parse(payload), case .string(let q)? = o["q"],
            case .number(let n)? = o["n"], let returned = Int(n), case .array(let items)? = o["k"]
        else { return nil }
        var keys: [SQLValue] = []
        for item in items {
            switch item {
            case .null: keys.append(.null)
            case .string(let s) where !s.isEmpty:
                let body = String(s.dropFirst())
                switch s.first {
                case "i": guard let v = Int64(body) else { return nil }; keys.append(.integer(v))
                case "r": guard let v = UInt64(body) else { return nil }; keys.append(.real(Double(bitPattern: v)))
                case "t": keys.append(.text(body))
                case "b": keys.append(.boolean(body == "1"))
                case "x": guard let v = Base64.decode(body) else { return nil }; keys.append(.blob(v))
                default: return nil
                }
            default: return nil
            }
        }
        var pageSize: Int?
        if let size = o["s"] {
            guard case .number(let s) = size, let n = Int(s), n >= 1 else { return nil }
            pageSize = n
        }
        self.init(keys: keys, returned: returned, fingerprint: q, pageSize: pageSize)
    }
}
