import ODataCore

/// Secrets kept in the store (the paging-token key): made once, the same for every instance.
extension SQLEntityStore {
    public func secret(named name: String) async throws -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return try await storeSecret(named: name, (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    public func adoptSecret(named name: String, _ value: [UInt8]) async throws -> Bool {
        try await storeSecret(named: name, value) == value
    }

    /// Stores `value` as the secret `name` unless there is one; returns the one stored.
    private func storeSecret(named name: String, _ value: [UInt8]) async throws -> [UInt8] {
        let key = "secret:" + name
        let fresh = UTF8Bytes.hex(value)
        var i = SQLBuilder(d)
        i.append("INSERT INTO "); i.identifier(StorageLayout.schemaTable); i.append(" (")
        i.identifier("key"); i.append(", "); i.identifier("value"); i.append(") VALUES (")
        i.bind(.text(key)); i.append(", "); i.bind(.text(fresh)); i.append(") ON CONFLICT (")
        i.identifier("key"); i.append(") DO NOTHING")
        _ = try await database.write(i.statement)
        var q = SQLBuilder(d)
        q.append("SELECT "); q.identifier("value"); q.append(" FROM "); q.identifier(StorageLayout.schemaTable)
        q.append(" WHERE "); q.identifier("key"); q.append(" = "); q.bind(.text(key))
        guard case .text(let hex)? = try await database.query(q.statement).first?.first, hex.count == 64 else {
            throw StorageError(.internalError, "the secret \(name) could not be stored")
        }
        guard let bytes = UTF8Bytes.bytes(hex: hex) else { throw StorageError(.internalError, "a stored secret is malformed") }
        return bytes
    }
}
