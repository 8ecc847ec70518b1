import Crypto
import ODataCore
import ODataModel
import Storage

extension ODataService {
    func bindQuery(_ call: Call, collection: Bool) throws -> ODataQuery {
        let q = try call.version.queryBinder.bind(call.options, type: call.path.cast ?? call.path.type, collection: collection)
        if !q.expand.isEmpty { try authorize(call, query: q.expand) }
        return q
    }

    /// Identifies a query for its paging tokens: tenant, version, path, cast, filter and order.
    /// The first 12 bytes of SHA-256 over the parts (separated by U+001F), each byte in hexadecimal
    /// without a leading zero (the form tokens already issued carry). Written as bytes: a deep page
    /// computes this twice (to check its token and to sign the next one), every other page once.
    static func fingerprint(tenant: String, version: String, path: String, filter: String?, orderBy: String?) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(tenant.utf8.count + version.utf8.count + path.utf8.count + (filter?.utf8.count ?? 0) + (orderBy?.utf8.count ?? 0) + 4)
        for (i, part) in [tenant, version, path, filter ?? "", orderBy ?? ""].enumerated() {
            if i > 0 { text.append(0x1F) }
            text.append(contentsOf: part.utf8)
        }
        var hex: [UInt8] = []
        hex.reserveCapacity(24)
        for byte in SHA256.hash(data: text).prefix(12) {
            if byte >= 16 { hex.append(UTF8Bytes.hexDigit(byte >> 4)) }
            hex.append(UTF8Bytes.hexDigit(byte))
        }
        return String(decoding: hex, as: UTF8.self)
    }

    func tokenCodec() async throws -> SkipTokenCodec {
        if let codec = codecCache.withLock({ $0 }) { return codec }
        let key = SymmetricKey(data: try await store.secret(named: "paging"))
        // The key's two padded blocks are hashed once, here; each token copies that state and hashes only
        // its payload (the hashers copy their contexts on write).
        let keyed = HMAC<SHA256>(key: key)
        let codec = SkipTokenCodec { payload in
            var mac = keyed
            mac.update(data: payload)
            return mac.finalize().withUnsafeBytes { Array($0) }  // (`Array(_:)` of the code walks an iterator)
        }
        codecCache.withLock { $0 = codec }
        return codec
    }

    func listQuery(_ call: Call, _ table: StorageTable, _ q: ODataQuery, type: StructuredType?) -> ListQuery {
        var lq = ListQuery(model: call.model, types: call.version.types(table, cast: type), limit: limits.pageSize)
        lq.filter = q.filter
        lq.order = q.orderBy
        return lq
    }

    /// The `@odata.context` URL, with `(a,b,nav(c))` when the query selects or expands.
    func contextURL(_ call: Call, _ q: ODataQuery, entity: Bool) -> String {
        guard let projection = q.contextProjection else { return call.context }
        var fragment = call.path.contextFragment
        let list = "(" + projection + ")"
        if entity, fragment.hasSuffix("/$entity") {
            fragment = String(fragment.dropLast(8)) + list + "/$entity"
        } else {
            fragment += list
        }
        return call.context { $0 += fragment }
    }
}
