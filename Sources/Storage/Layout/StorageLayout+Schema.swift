/// The DDL of a layout: tables, foreign keys that cascade deletes to contained entities, the summary
/// counts table and the triggers that keep it exact in the same transaction as every write.
extension StorageLayout {
    public static let countsTable = "_summary_counts"

    public static let schemaTable = "_schema"

    /// The entities deleted whose contents are still being purged (see `BackgroundPurgeStore`).
    public static let purgesTable = "_purges"

    /// The schema of this layout for a dialect: tables (created if missing), and the triggers and
    /// counts derived from the model's summary rules (replaced, and the counts recomputed, whenever
    /// the rules change — they are code, not data).
    public func schemaPlan(_ d: any SQLDialect) -> SchemaPlan {
        var tablesDDL = d.functions
        for table in tables {
            var cols = table.keyColumns.map { "\(d.quote($0)) \(d.textType) NOT NULL" }
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
        // A mark per entity: its tenant, table and keys (`EntityKey.joinedPath`), and when it was deleted.
        tablesDDL.append(
            "CREATE TABLE IF NOT EXISTS \(c(Self.purgesTable)) (\(c("_tenant")) TEXT NOT NULL, \(c("table")) TEXT NOT NULL, "
                + "\(c("key")) TEXT NOT NULL, \(c("deleted")) \(d.columnType(.timestamp)) NOT NULL, "
                + "PRIMARY KEY (\(c("_tenant")), \(c("table")), \(c("key"))))")
        var triggers: [String] = []
        // The counts are derived: rebuilt, table and all, whenever the rules or their shape change.
        var recount = ["DROP TABLE IF EXISTS \(c(Self.countsTable))", countsTableDDL(d)]
        for table in tables {
            triggers += counterTriggers(table, d)
            triggers += cleanupTrigger(table, d)
            recount += recountStatements(table, d)
        }
        let columns = tables.flatMap { table in
            // The key columns are made with their table; listed for their type (`SchemaPlan.columns`).
            table.keyColumns.map { name in
                SchemaPlan.Column(
                    table: table.name, name: name, type: d.textType,
                    add: "ALTER TABLE \(d.quote(table.name)) ADD COLUMN \(d.quote(name)) \(d.textType) NOT NULL")
            }
                + table.columns.map { column in
                    SchemaPlan.Column(
                        table: table.name, name: column.name, type: d.columnType(column.kind),
                        add: "ALTER TABLE \(d.quote(table.name)) ADD COLUMN \(d.quote(column.name)) \(d.columnType(column.kind))")
                }
        }
        return SchemaPlan(tables: tablesDDL, columns: columns, triggers: triggers, recount: recount, backfill: backfill(d, service: service))
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

    /// The name of count column `index`.
    public static func countColumn(_ index: Int) -> String { "n\(index)" }

    /// The table of the kept counts: a row per tenant, counted table, container and shard (see
    /// `SQLDialect.countShard`), with a column per count the table keeps (`StorageTable.buckets`), so
    /// that a write moves its container's counts in one row and a summary reads a row per source.
    private func countsTableDDL(_ d: any SQLDialect) -> String {
        let c = { (s: String) in d.quote(s) }
        let counts = (0..<countColumnCount).map { "\(c(Self.countColumn($0))) \(d.columnType(.integer)) NOT NULL DEFAULT 0, " }
        return "CREATE TABLE IF NOT EXISTS \(c(Self.countsTable)) (\(c("_tenant")) TEXT NOT NULL, \(c("source")) TEXT NOT NULL, "
            + "\(c("parent")) TEXT NOT NULL, \(c("shard")) \(d.columnType(.integer)) NOT NULL, " + counts.joined()
            + "\(c("updated")) \(d.columnType(.timestamp)) NOT NULL, "
            + "PRIMARY KEY (\(c("_tenant")), \(c("source")), \(c("parent")), \(c("shard"))))"
    }

    /// `INSERT INTO counts (_tenant, source, parent, shard, n0, …, updated)`: the count columns `table` keeps.
    private func countsInsertHead(_ table: StorageTable, _ d: any SQLDialect) -> String {
        let names = ["_tenant", "source", "parent", "shard"] + table.buckets.indices.map(Self.countColumn) + ["updated"]
        return "INSERT INTO \(d.quote(Self.countsTable)) (\(names.map(d.quote).joined(separator: ", "))) "
    }

    /// Recomputes the counts of a table's rows from scratch (after the rules changed).
    private func recountStatements(_ table: StorageTable, _ d: any SQLDialect) -> [String] {
        guard table.depth > 0, !table.feeds.isEmpty else { return [] }
        return [summedCounts(table, rows: table.name, shard: "0", event: .insert, d)]
    }

    /// `INSERT INTO counts (…) SELECT …`: the counts of the rows of `rows` (the table itself, or the rows an
    /// insert or delete statement added or removed), summed per container, the containers in the order
    /// of their keys (so that two statements lock count rows in one order), into `shard`. Rows added
    /// (`.insert`; a table recounted whole is counted as added) count up; removed rows count down, and
    /// only in the containers still stored (a container's delete takes its counts).
    private func summedCounts(_ table: StorageTable, rows: String, shard: String, event: RowsEvent, _ d: any SQLDialect) -> String {
        let source = d.quote(rows), grouped = d.quote("row_buckets")
        let keys = (["_tenant"] + table.parentKeyColumns).map(d.quote)
        let buckets = table.feeds.indices.map { "\(bucketExpression(table, feed: $0, row: source, d)) AS \(d.quote("b\($0)"))" }
        let counted = table.feeds.indices.map { "\(d.quote("b\($0)")) IS NOT NULL" }
        let sign: String, kept: String
        switch event {
        case .insert: (sign, kept) = ("", "")
        case .delete: (sign, kept) = ("-", " HAVING " + containerExists(table, row: grouped, d))
        }
        let sums = table.buckets.indices.map { "\(sign)SUM(CASE WHEN \(d.quote("b\(table.bucketFeeds[$0])")) = \($0) THEN 1 ELSE 0 END)" }
        let groupKeys = keys.map { "\(grouped).\($0)" }.joined(separator: ", ")
        return countsInsertHead(table, d)
            + "SELECT \(grouped).\(d.quote("_tenant")), \(d.literal(table.name)), \(parentExpression(table.parentKeyColumns, row: grouped, d)), "
            + "\(shard), \(sums.joined(separator: ", ")), \(d.nowTicks) "
            + "FROM (SELECT \(keys.map { "\(source).\($0)" }.joined(separator: ", ")), \(buckets.joined(separator: ", ")) FROM \(source)) AS \(grouped) "
            + "WHERE (\(counted.joined(separator: " OR "))) GROUP BY \(groupKeys)\(kept) ORDER BY \(groupKeys)"
    }

    /// `CASE WHEN … THEN n … END` over `row` (`NEW`, `OLD` or the table): the column of `table.buckets`
    /// that feed `feed` counts the row in, or null.
    func bucketExpression(_ table: StorageTable, feed: Int, row: String, _ d: any SQLDialect) -> String {
        var s = "(CASE"
        for rule in table.feeds[feed].source.rules {
            let column = table.bucketColumn(feed: feed, count: rule.count)
            switch rule.condition {
            case .always:
                s += " WHEN 1 = 1 THEN \(column)"
            case .oneOf(let property, let values):
                s += " WHEN \(row).\(d.quote(property)) IN (\(values.map(d.literal).joined(separator: ", "))) THEN \(column)"
            case .greaterThan(let property, let bound):
                s += " WHEN \(row).\(d.quote(property)) > \(bound) THEN \(column)"
            }
        }
        return s + " END)"
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

    /// The triggers that keep a table's counts: each write moves its container's counts (in this
    /// transaction's shard) in one upsert of one row, every count column by the row's new bucket (+1)
    /// and its old one (−1); where the database has statement triggers, an insert or delete statement
    /// moves each container's counts once for all its rows. A row counted nowhere moves nothing; nor
    /// does a deleted row once its container is gone (deleting the container deletes its entities and
    /// its counts, in an order that differs between databases).
    private func counterTriggers(_ table: StorageTable, _ d: any SQLDialect) -> [String] {
        guard table.depth > 0, !table.feeds.isEmpty else { return [] }
        let counts = d.quote(Self.countsTable)
        let updates = table.buckets.indices.map(Self.countColumn).map(d.quote).map { "\($0) = \(counts).\($0) + excluded.\($0)" }
        let upsert = "ON CONFLICT (\(["_tenant", "source", "parent", "shard"].map(d.quote).joined(separator: ", "))) "
            + "DO UPDATE SET \(updates.joined(separator: ", ")), \(d.quote("updated")) = excluded.\(d.quote("updated"))"
        func move(new: Bool, old: Bool) -> String {
            let row = new ? "NEW" : "OLD"
            var buckets: [String] = []
            var counted: [String] = []
            for feed in table.feeds.indices {
                if new { buckets.append("\(bucketExpression(table, feed: feed, row: "NEW", d)) AS \(d.quote("b\(feed)"))") }
                if old { buckets.append("\(bucketExpression(table, feed: feed, row: "OLD", d)) AS \(d.quote("o\(feed)"))") }
                if new { counted.append("\(d.quote("b\(feed)")) IS NOT NULL") }
                if old { counted.append("\(d.quote("o\(feed)")) IS NOT NULL") }
            }
            let deltas = table.buckets.indices.map { j -> String in
                let feed = table.bucketFeeds[j]
                let added = "CASE WHEN \(d.quote("b\(feed)")) = \(j) THEN 1 ELSE 0 END"
                let removed = "CASE WHEN \(d.quote("o\(feed)")) = \(j) THEN 1 ELSE 0 END"
                return new && old ? "\(added) - \(removed)" : new ? added : "-(\(removed))"
            }
            return countsInsertHead(table, d)
                + "SELECT \(row).\(d.quote("_tenant")), \(d.literal(table.name)), \(parentExpression(table.parentKeyColumns, row: row, d)), "
                + "\(d.countShard ?? "0"), \(deltas.joined(separator: ", ")), \(d.nowTicks) "
                + "FROM (SELECT \(buckets.joined(separator: ", "))) AS \(d.quote("row_buckets")) "
                + "WHERE (\(counted.joined(separator: " OR ")))" + (new ? "" : " AND " + containerExists(table, row: "OLD", d)) + " "
                + upsert
        }
        let prefix = "\(table.name)_counts"
        // An insert or delete statement's counts: one upsert per container (where the database has
        // statement triggers); else one per row.
        func statementOrRows(_ event: RowsEvent, _ name: String, rows: String, perRow: String) -> [String] {
            let summed = summedCounts(table, rows: rows, shard: d.countShard ?? "0", event: event, d) + " " + upsert
            return d.statementTrigger(name: "\(prefix)_\(name)", table: table.name, event: event, rows: rows, body: [summed])
                ?? d.trigger(name: "\(prefix)_\(name)", table: table.name, event: event.trigger, body: [perRow])
        }
        return statementOrRows(.insert, "insert", rows: "inserted", perRow: move(new: true, old: false))
            + d.trigger(name: "\(prefix)_update", table: table.name, event: .update, body: [move(new: true, old: true)])
            + statementOrRows(.delete, "delete", rows: "deleted", perRow: move(new: false, old: true))
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
