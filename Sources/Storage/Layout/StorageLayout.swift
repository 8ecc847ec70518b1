import ODataModel

/// Every table the service model needs, derived once from all its versions.
public final class StorageLayout: Sendable {
    public let tables: [StorageTable]
    /// How many count columns (`n0`, `n1`, …) the counts table has: as many as the table that keeps the
    /// most counts (`StorageTable.buckets`), at least one. Read for every row of a summary: kept, not
    /// derived each time (that walked every table through a key path: 8% of a summary's server CPU).
    public let countColumnCount: Int
    /// The model the layout is derived from (for the defaults of its columns).
    let service: ServiceModel
    private let byPath: [[String]: Int]
    private let byName: [String: Int]

    public init(service: ServiceModel) throws(ModelError) {
        var tables: [String: Builder] = [:]
        var order: [String] = []
        for version in service.versionNames {
            let model = service.versions[version]!
            for (singleton, typeName) in model.singletons.sorted(by: { $0.key < $1.key }) {
                try Self.walk(
                    model: model, service: service, path: [], tableName: singleton, typeName: typeName, parent: nil,
                    parentFamily: [], into: &tables, order: &order)
            }
        }
        let built = order.map { tables[$0]!.build() }
        self.tables = built
        self.countColumnCount = max(1, built.map(\.buckets.count).max() ?? 0)
        self.service = service
        self.byPath = Dictionary(built.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        self.byName = Dictionary(built.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The table of a containment path (navigation names from the singleton; empty for the singleton).
    public func table(path: [String]) -> StorageTable? { byPath[path].map { tables[$0] } }

    public func table(named name: String) -> StorageTable? { byName[name].map { tables[$0] } }

    /// The tables, each after the table that contains it (in their order otherwise).
    public var tablesParentsFirst: [StorageTable] {
        tables.enumerated().sorted { ($0.element.path.count, $0.offset) < ($1.element.path.count, $1.offset) }.map(\.element)
    }

    /// The tables directly contained in `table`.
    public func children(of table: StorageTable) -> [StorageTable] { tables.filter { $0.parent == table.name } }

    private struct Builder {
        var name: String
        var path: [String]
        var baseType: String
        var family: Set<String> = []
        var columns: [StorageTable.Column] = []
        var parent: String?
        var feeds: [StorageTable.Feed] = []
        var sortColumns: [String] = []

        func build() -> StorageTable {
            StorageTable(
                name: name, path: path, baseType: baseType, family: family, columns: columns, parent: parent, feeds: feeds,
                sortColumns: sortColumns)
        }
    }

    private static func walk(
        model: EdmModel, service: ServiceModel, path: [String], tableName: String, typeName: String, parent: String?,
        parentFamily: [StructuredType], into tables: inout [String: Builder], order: inout [String]
    ) throws(ModelError) {
        guard let base = model.entityTypes[typeName] else { throw ModelError("unknown type \(typeName)") }
        if tables[tableName] == nil {
            tables[tableName] = Builder(name: tableName, path: path, baseType: typeName, parent: parent)
            order.append(tableName)
        }
        var builder = tables[tableName]!
        guard builder.baseType == typeName, builder.parent == parent else {
            throw ModelError("table \(tableName) holds \(builder.baseType) in one version and \(typeName) in another")
        }
        let family = [base] + base.derivedTypes.compactMap { model.entityTypes[$0] }
        for type in family {
            builder.family.insert(type.name)
            for key in service.sortKeys[type.name] ?? [] where !builder.sortColumns.contains(key) {
                guard type.property(named: key) != nil else { throw ModelError("sort key \(type.name).\(key) is not a property") }
                builder.sortColumns.append(key)
            }
            for property in type.properties where property.name != "id" {
                let kind = ColumnKind(property.type) { model.enumTypes[$0]?.isFlags ?? false }
                if let existing = builder.columns.first(where: { $0.name == property.name }) {
                    guard existing.kind == kind else {
                        throw ModelError("\(tableName).\(property.name) is \(existing.kind) in one type and \(kind) in another")
                    }
                } else {
                    builder.columns.append(.init(name: property.name, kind: kind, type: property.type))
                }
            }
        }
        if let last = path.last {
            for summary in service.summaries where parentFamily.contains(where: { $0.lineage.contains(summary.parentType) }) {
                for source in summary.sources where source.navigation == last {
                    if !builder.feeds.contains(where: { $0.summary == summary && $0.source == source }) {
                        builder.feeds.append(.init(summary: summary, source: source))
                    }
                }
            }
        }
        tables[tableName] = builder
        var navigations: [NavigationProperty] = []
        for type in family {
            for nav in type.navigationProperties where nav.containsTarget && nav.isCollection {
                if !navigations.contains(where: { $0.name == nav.name }) { navigations.append(nav) }
            }
        }
        for nav in navigations {
            let childPath = path + [nav.name]
            try walk(
                model: model, service: service, path: childPath, tableName: childPath.joined(separator: "_"),
                typeName: nav.target, parent: path.isEmpty ? nil : tableName, parentFamily: family, into: &tables, order: &order)
        }
    }
}
