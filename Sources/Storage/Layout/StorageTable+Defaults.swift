import ODataCore
import ODataModel

extension StorageTable {
    /// The row of a new entity of the type `type` before its body applies: non-nullable properties hold
    /// their type's default, collections are empty (never null), everything else is null; in every
    /// version that knows the type, so that an entity made through one version (v1.0) shows no null
    /// that another (beta) does not allow, in a property the first does not have.
    public func defaultRow(type: String, service: ServiceModel) -> [SQLValue] {
        var values = [SQLValue](repeating: .null, count: columns.count)
        for model in service.versionNames.compactMap({ service.versions[$0] }) {
            for p in model.entityTypes[type]?.properties ?? [] where p.name != "id" && (!p.nullable || p.type.isCollection) {
                guard let i = columnIndex(p.name), values[i] == .null else { continue }
                values[i] = columns[i].kind.encode(.defaultValue(of: p.type, in: model), type: columns[i].type, model: model)
            }
        }
        return values
    }
}

extension StorageLayout {
    /// Statements that give the columns `StorageTable.defaultRow` fills their default where a row holds
    /// null: rows made before each version's defaults were all applied (an app created through v1.0
    /// left beta's `isAssigned` null), or imported from such a store. Run with the derived part of the
    /// schema (once, when it changes), while no trigger counts the change.
    func backfill(_ d: any SQLDialect, service: ServiceModel) -> [SQLStatement] {
        var out: [SQLStatement] = []
        for table in tables {
            // A statement per type, which changes only the rows that hold such a null (one scan of a
            // status table, whose family is one type; no row rewritten that needs nothing).
            for type in table.family.sorted() {
                let filled = table.defaultRow(type: type, service: service).enumerated().filter { $0.element != .null }
                guard !filled.isEmpty else { continue }
                var b = SQLBuilder(d)
                b.append("UPDATE "); b.identifier(table.name); b.append(" SET ")
                b.list(filled) { b, column in
                    let name = table.columns[column.offset].name
                    b.identifier(name); b.append(" = COALESCE("); b.identifier(name); b.append(", ")
                    b.bind(column.element, as: table.columns[column.offset].kind); b.append(")")
                }
                b.append(" WHERE "); b.identifier("_type"); b.append(" = "); b.bind(.text(type)); b.append(" AND (")
                b.list(filled, separator: " OR ") { b, column in b.identifier(table.columns[column.offset].name); b.append(" IS NULL") }
                b.append(")")
                out.append(b.statement)
            }
        }
        return out
    }
}
