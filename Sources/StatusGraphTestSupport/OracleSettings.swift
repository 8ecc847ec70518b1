import Foundation

/// What the generated-query suites run: `STATUSGRAPH_ORACLE_SEED` fixes what they generate,
/// `STATUSGRAPH_ORACLE_COUNT` how many queries each makes (400 by default).
public enum OracleSettings {
    public static let seed = ProcessInfo.processInfo.environment["STATUSGRAPH_ORACLE_SEED"].flatMap(UInt64.init) ?? 20_261_206
    public static let count = ProcessInfo.processInfo.environment["STATUSGRAPH_ORACLE_COUNT"].flatMap(Int.init) ?? 400
}

/// A generated-query suite that cannot go on: what it generated or read is not what it expects.
public struct OracleFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
