/// The DDL of a layout: tables, foreign keys that cascade deletes to contained entities, the summary
/// counts table and the triggers that keep it exact in the same transaction as every write.
extension StorageLayout {
    public static let countsTable = "_summary_counts"

    public static let schemaTable = "_schema"

    /// The schema of this layout for a dialect: tables (created if missing), and the triggers and
    /// counts derived from the model's summary rules (replaced, and the counts recomputed, whenever
    /// the rules change — they are code, not data).
    public func schemaPlan(_ d: any SQLDialect) -> SchemaPlan {
        var tablesDDL: [String] = []
        for table in tables {
            var cols = ["\(d.quote("_tenant")) TEXT NOT NULL"]
            cols += table.parentKeyColumns.map { "\(d.quote($0)) TEXT NOT NULL" }
            cols += ["\(d.quote("id")) TEXT NOT NULL", "\(d.quote("_type")) TEXT NOT NULL"]
            cols += table.columns.map { "\(d.quote($0.name)) \(d.columnType($0.kind))" }
            let key = (["_tenant"] + table.parentKeyColumns + (table.isSingleton ? [] : ["id"])).map(d.quote)
            cols.append("PRIMARY KEY (\(key.joined(separator: ", ")))")
            if let key = containerKey(table) {
                cols.append(
                    "FOREIGN KEY (\(key.mine.map(d.quote).joined(separator: ", "))) REFERENCES \(d.quote(key.parent.name)) "
                        + "(\(key.theirs.map(d.quote).joined(separator: ", "))) ON DELETE CASCADE")
            }
            tablesDDL.append("CREATE TABLE IF NOT EXISTS \(d.quote(table.name)) (\(cols.joined(separator: ", ")))")
        }
        tablesDDL += indexes(d)
        let c = { (s: String) in d.quote(s) }
        tablesDDL.append(countsTableDDL(d))
        tablesDDL.append(
            "CREATE TABLE IF NOT EXISTS \(c(Self.schemaTable)) (\(c("key")) TEXT NOT NULL PRIMARY KEY, \(c("value")) TEXT NOT NULL)")
        var triggers: [String] = []
        // The counts are derived: rebuilt, table and all, whenever the rules or their shape change.
        var recount = ["DROP TABLE IF EXISTS \(c(Self.countsTable))", countsTableDDL(d)]
        for table in tables {
            triggers += counterTriggers(table, d)
            triggers += cleanupTrigger(table, d)
            recount += recountStatements(table, d)
        }
        let columns = tables.flatMap { table in
            table.columns.map { column in
                SchemaPlan.Column(
                    table: table.name, name: column.name,
                    add: "ALTER TABLE \(d.quote(table.name)) ADD COLUMN \(d.quote(column.name)) \(d.columnType(column.kind))")
            }
        }
        return SchemaPlan(tables: tablesDDL, columns: columns, triggers: triggers, recount: recount)
    }

    /// Indexes for the common queries, derived from the model: every contained collection is read by
    /// container (the primary key), by container and state — the enum properties the summary rules
    /// count by (`status`, `installState`) — ordered by key within, by container and each of the
    /// model's sort keys (`deviceName`, `userPrincipalName`, …), and by container, state and sort key
    /// (a page of the failed ones ordered by name reads just its rows, and a deep page seeks to them).
    func indexes(_ d: any SQLDialect) -> [String] {
        var stateProperties: Set<String> = []
        for table in tables {
            for feed in table.feeds {
                for rule in feed.source.rules {
                    if case .oneOf(let property, _) = rule.condition { stateProperties.insert(property) }
                }
            }
        }
        var out: [String] = []
        for table in tables where table.depth > 0 {
            for column in table.columns where column.kind == .enumName && stateProperties.contains(column.name) {
                let key = (["_tenant"] + table.parentKeyColumns + [column.name, "id"]).map(d.quote).joined(separator: ", ")
                out.append("CREATE INDEX IF NOT EXISTS \(d.quote("\(table.name)_by_\(column.name)")) ON \(d.quote(table.name)) (\(key))")
            }
            // Sort keys: null first, as OData orders ascending (and as queries ask for it).
            let states = table.columns.filter { $0.kind == .enumName && stateProperties.contains($0.name) }.map(\.name)
            for name in table.sortColumns {
                let key = (["_tenant"] + table.parentKeyColumns).map(d.quote) + [d.ascendingNullsFirst(d.quote(name)), d.quote("id")]
                out.append(
                    "CREATE INDEX IF NOT EXISTS \(d.quote("\(table.name)_by_\(name)")) ON \(d.quote(table.name)) (\(key.joined(separator: ", ")))")
                for state in states {
                    let key = (["_tenant"] + table.parentKeyColumns + [state]).map(d.quote)
                        + [d.ascendingNullsFirst(d.quote(name)), d.quote("id")]
                    out.append(
                        "CREATE INDEX IF NOT EXISTS \(d.quote("\(table.name)_by_\(state)_\(name)")) ON \(d.quote(table.name)) (\(key.joined(separator: ", ")))")
                }
            }
        }
        return out
    }

    /// Every statement of the schema, in order (for reading and golden tests).
    public func schema(_ d: any SQLDialect) -> [String] {
        let plan = schemaPlan(d)
        return plan.tables + plan.triggers
    }

    /// The table of the kept counts: per tenant, counted table, container, bucket and shard (see
    /// `SQLDialect.countShard`).
    private func countsTableDDL(_ d: any SQLDialect) -> String {
        let c = { (s: String) in d.quote(s) }
        return "CREATE TABLE IF NOT EXISTS \(c(Self.countsTable)) (\(c("_tenant")) TEXT NOT NULL, \(c("source")) TEXT NOT NULL, "
            + "\(c("parent")) TEXT NOT NULL, \(c("bucket")) TEXT NOT NULL, \(c("shard")) \(d.columnType(.integer)) NOT NULL, "
            + "\(c("n")) \(d.columnType(.integer)) NOT NULL, \(c("updated")) \(d.columnType(.timestamp)) NOT NULL, "
            + "PRIMARY KEY (\(c("_tenant")), \(c("source")), \(c("parent")), \(c("bucket")), \(c("shard"))))"
    }

    /// Recomputes the counts of a table's rows from scratch (after the rules changed).
    private func recountStatements(_ table: StorageTable, _ d: any SQLDialect) -> [String] {
        guard table.depth > 0 else { return [] }
        let row = d.quote(table.name)
        return table.feeds.map { feed in
            let bucket = bucketExpression(feed, row: row, d)
            let parent = parentExpression(table.parentKeyColumns, row: row, d)
            return "INSERT INTO \(d.quote(Self.countsTable)) (\(d.quote("_tenant")), \(d.quote("source")), \(d.quote("parent")), \(d.quote("bucket")), \(d.quote("shard")), \(d.quote("n")), \(d.quote("updated"))) "
                + "SELECT \(row).\(d.quote("_tenant")), \(d.literal(table.name)), \(parent), \(bucket), 0, COUNT(*), \(d.nowTicks) FROM \(row) "
                + "WHERE (\(bucket)) IS NOT NULL GROUP BY \(row).\(d.quote("_tenant")), \(parent), \(bucket)"
        }
    }

    /// `CASE WHEN … THEN 'count' … END` over `row` (`NEW` or `OLD`): the count a row falls under.
    func bucketExpression(_ feed: StorageTable.Feed, row: String, _ d: any SQLDialect) -> String {
        var s = "CASE"
        for rule in feed.source.rules {
            switch rule.condition {
            case .always:
                s += " WHEN 1 = 1 THEN \(d.literal(rule.count))"
            case .oneOf(let property, let values):
                s += " WHEN \(row).\(d.quote(property)) IN (\(values.map(d.literal).joined(separator: ", "))) THEN \(d.literal(rule.count))"
            case .greaterThan(let property, let bound):
                s += " WHEN \(row).\(d.quote(property)) > \(bound) THEN \(d.literal(rule.count))"
            }
        }
        return s + " END"
    }

    /// The table of the entities that contain `table`'s rows, and the columns that key a row's container
    /// in each (what the foreign key joins); nil at the top.
    private func containerKey(_ table: StorageTable) -> (parent: StorageTable, mine: [String], theirs: [String])? {
        guard let parentName = table.parent, let parent = self.table(named: parentName) else { return nil }
        return (parent, ["_tenant"] + table.parentKeyColumns, ["_tenant"] + parent.parentKeyColumns + ["id"])
    }

    /// `EXISTS (…)`: the entity that contains `row` of `table` is stored.
    private func containerExists(_ table: StorageTable, row: String, _ d: any SQLDialect) -> String {
        guard let key = containerKey(table) else { return "1 = 1" }
        let parent = d.quote(key.parent.name)
        let conditions = zip(key.theirs, key.mine).map { "\(parent).\(d.quote($0)) = \(row).\(d.quote($1))" }
        return "EXISTS (SELECT 1 FROM \(parent) WHERE \(conditions.joined(separator: " AND ")))"
    }

    private func parentExpression(_ columns: [String], row: String, _ d: any SQLDialect) -> String {
        columns.map { "\(row).\(d.quote($0))" }.joined(separator: " || '/' || ")
    }

    private func counterTriggers(_ table: StorageTable, _ d: any SQLDialect) -> [String] {
        guard table.depth > 0, !table.feeds.isEmpty else { return [] }
        let counts = d.quote(Self.countsTable)
        var out: [String] = []
        for (i, feed) in table.feeds.enumerated() {
            let source = d.literal(table.name)
            let shard = d.countShard ?? "0"
            // One count of `row`'s bucket more (`delta` 1) or fewer (-1), in this transaction's shard; not
            // once the container is gone (deleting it deletes its entities and its counts, in an order
            // that differs between databases).
            func add(_ delta: Int, _ row: String) -> String {
                let bucket = bucketExpression(feed, row: row, d)
                return "INSERT INTO \(counts) (\(d.quote("_tenant")), \(d.quote("source")), \(d.quote("parent")), \(d.quote("bucket")), \(d.quote("shard")), \(d.quote("n")), \(d.quote("updated"))) "
                    + "SELECT \(row).\(d.quote("_tenant")), \(source), \(parentExpression(table.parentKeyColumns, row: row, d)), \(bucket), \(shard), \(delta), \(d.nowTicks) "
                    + "WHERE (\(bucket)) IS NOT NULL" + (delta < 0 ? " AND " + containerExists(table, row: row, d) : "") + " "
                    + "ON CONFLICT (\(d.quote("_tenant")), \(d.quote("source")), \(d.quote("parent")), \(d.quote("bucket")), \(d.quote("shard"))) "
                    + "DO UPDATE SET \(d.quote("n")) = \(counts).\(d.quote("n")) \(delta < 0 ? "-" : "+") \(abs(delta)), \(d.quote("updated")) = excluded.\(d.quote("updated"))"
            }
            func increment(_ row: String) -> String { add(1, row) }
            func decrement(_ row: String) -> String { add(-1, row) }
            // The lock of the row's container's counts in this shard (every count row the write may touch).
            func lock(_ row: String) -> [String] {
                let key = "\(row).\(d.quote("_tenant")) || '/' || \(source) || '/' || \(parentExpression(table.parentKeyColumns, row: row, d)) || '/' || \(shard)"
                return d.countsLock(key).map { [$0] } ?? []
            }
            let prefix = "\(table.name)_count\(i)"
            out += d.trigger(name: "\(prefix)_insert", table: table.name, event: .insert, body: lock("NEW") + [increment("NEW")])
            out += d.trigger(
                name: "\(prefix)_update", table: table.name, event: .update, body: lock("OLD") + [decrement("OLD"), increment("NEW")])
            out += d.trigger(name: "\(prefix)_delete", table: table.name, event: .delete, body: lock("OLD") + [decrement("OLD")])
        }
        return out
    }

    /// When an entity goes, so do the counts kept for the collections it contains.
    private func cleanupTrigger(_ table: StorageTable, _ d: any SQLDialect) -> [String] {
        let fed = children(of: table).filter { !$0.feeds.isEmpty }
        guard !fed.isEmpty, !table.isSingleton else { return [] }
        let sources = fed.map { d.literal($0.name) }.joined(separator: ", ")
        let body = "DELETE FROM \(d.quote(Self.countsTable)) WHERE \(d.quote("_tenant")) = OLD.\(d.quote("_tenant")) "
            + "AND \(d.quote("source")) IN (\(sources)) "
            + "AND \(d.quote("parent")) = \(parentExpression(table.parentKeyColumns + ["id"], row: "OLD", d))"
        return d.trigger(name: "\(table.name)_counts_cleanup", table: table.name, event: .delete, body: [body])
    }
}
