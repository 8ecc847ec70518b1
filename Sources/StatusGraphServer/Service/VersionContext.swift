import ODataCore
import ODataModel
import Storage
import Synchronization

/// What the service derives once per version: binder, reader, and the JSON projection of every
/// stored type this version knows.
final class VersionContext: Sendable {
    let model: EdmModel
    let binder: PathBinder
    let reader: PayloadReader
    let queryBinder: QueryBinder
    /// Whether query options may be named without their `$`: on Graph's beta endpoint they may
    /// (`filter=…` is `$filter=…`); on v1.0 only some APIs take them so, and these ignore them as custom options.
    let dollarOptional: Bool
    /// `$metadata`, written once.
    let csdl: String
    /// The OpenAPI description (`$openapi`, written for each request's base URL).
    let openAPI: OpenAPIDocument
    /// What `odata.metadata=full` adds to an answer.
    let fullMetadata: FullMetadata
    /// Table → concrete type → projection.
    private let projections: [String: [String: EntityProjection]]
    /// Table → the stored types this version shows, or nil when it knows them all.
    private let visibleTypes: [String: Set<String>]
    /// Summary plans, made on first use.
    private let summaryPlans = Mutex<[SummaryPlanKey: SummaryPlan]>([:])
    private struct SummaryPlanKey: Hashable {
        let summary: String
        let table: String
        let type: String
    }

    init(model: EdmModel, service: ServiceModel, layout: StorageLayout, queryLimits: QueryLimits) {
        self.model = model
        dollarOptional = model.version == "beta"
        queryBinder = QueryBinder(service: service, model: model, limits: queryLimits, dollarOptional: dollarOptional)
        csdl = model.csdl()
        openAPI = OpenAPIDocument(service: service, model: model, limits: queryLimits)
        binder = PathBinder(service: service, model: model)
        fullMetadata = FullMetadata(model: model, service: service)
        reader = PayloadReader(model: model, ignored: Set(service.serverManaged.keys))
        var projections: [String: [String: EntityProjection]] = [:]
        var visible: [String: Set<String>] = [:]
        for table in layout.tables {
            var byType: [String: EntityProjection] = [:]
            for name in table.family {
                guard let type = model.entityTypes[name] else { continue }
                byType[name] = EntityProjection(table: table, type: type, model: model, service: service)
            }
            projections[table.name] = byType
            if byType.count < table.family.count { visible[table.name] = Set(byType.keys) }
        }
        self.projections = projections
        self.visibleTypes = visible
    }

    /// How `summary` (of type `type`) of the entities of `parentTable` is read and written.
    func summaryPlan(_ summary: Summary, type: StructuredType, parentTable: StorageTable, store: any EntityStore) -> SummaryPlan {
        let key = SummaryPlanKey(summary: summary.navigation, table: parentTable.name, type: type.name)
        if let plan = summaryPlans.withLock({ $0[key] }) { return plan }
        let plan = SummaryPlan(
            summary: summary, type: type, parentTable: parentTable, parentTypes: types(parentTable, cast: nil), store: store, model: model)
        summaryPlans.withLock { $0[key] = plan }
        return plan
    }

    func projection(_ table: StorageTable, type: String) -> EntityProjection? {
        projections[table.name]?[type]
    }

    /// The projection for a type named by a row read in place (no string made of it).
    func projection(_ table: StorageTable, type: UnsafeBufferPointer<UInt8>) -> EntityProjection? {
        projections[table.name]?.values.first { $0.isType(type) }
    }

    /// Whether this version shows every type stored in every table (beta does; v1.0 does not know some).
    var showsEveryStoredType: Bool { visibleTypes.isEmpty }

    /// The concrete types a request may see in `table`: those this version knows, narrowed by a cast.
    func types(_ table: StorageTable, cast: StructuredType?) -> Set<String>? {
        guard let cast else { return visibleTypes[table.name] }
        let family = Set([cast.name] + cast.derivedTypes)
        return family.intersection(visibleTypes[table.name] ?? table.family)
    }
}
