import ODataCore

extension ODataService {
    /// `response` to `call` as its format asks: its `Content-Type` said, and with full metadata what
    /// `odata.metadata=full` adds to a JSON answer (read back and written again: only for those who ask).
    func finished(_ response: ServiceResponse, _ call: Call) -> ServiceResponse {
        var response = response
        response.format = call.format
        guard call.format.metadata == .full, case .json(let body) = response.body, let shape = fullMetadataShape(call),
            let value = try? JSONParser.parse(body.bytes, maxDepth: .max)  // our own writing: any depth it has
        else { return response }
        // The query was bound before the answer was written: bound again only to say which links it selects.
        let query = try? bindQuery(call, collection: { if case .collection = call.path.target { true } else { false } }())
        var w = JSONWriter(capacity: body.count + body.count / 2)
        w.json(call.version.fullMetadata.annotate(value, shape: shape, links: query.map(FullMetadata.Links.init) ?? .all))
        response.body = .json(w)
        return response
    }

    /// What the answer to `call` holds at its top, and where it lives; nil for an answer that is no entity.
    private func fullMetadataShape(_ call: Call) -> FullMetadata.Shape? {
        let url = { (path: String) in call.serviceRoot + "/" + path }
        // The type the addressed navigation declares: an entity of a type derived from it has a cast in its edit link.
        let declared = call.path.steps.last?.navigation.target ?? call.path.type.name
        switch call.path.target {
        case .singleton, .summary: return .entity(url: url(call.path.canonical), declared: declared)
        case .entity: return .member(ofCollection: url(call.path.collectionCanonical), declared: declared)
        case .collection, .reference:
            let collection = url(call.path.canonical)
            return call.request.method == .get ? .page(ofCollection: collection, declared: declared) : .member(ofCollection: collection, declared: declared)
        case .count: return nil
        }
    }
}
