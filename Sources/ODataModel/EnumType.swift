/// An enumeration type. Members travel as names; flags values as comma-separated names.
public struct EnumType: Sendable {
    public struct Member: Sendable, Equatable {
        public let name: String
        /// Nil where the sources do not give the value (a name-only member).
        public let value: Int64?

        public init(name: String, value: Int64?) {
            self.name = name
            self.value = value
        }
    }

    public let name: String
    public let isFlags: Bool
    public let members: [Member]
    private let index: [String: Int]

    public init(name: String, isFlags: Bool, members: [Member]) {
        self.name = name
        self.isFlags = isFlags
        self.members = members
        self.index = Dictionary(members.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func member(named name: String) -> Member? {
        index[name].map { members[$0] }
    }

    /// The value a non-nullable property of this type takes when none is given: the member worth 0 (as .NET's
    /// default), else `unknown` where the enum has no 0 (`resultantAppState`), else the first member.
    public var defaultMember: Member {
        members.first { $0.value == 0 } ?? member(named: "unknown") ?? members[0]
    }

    /// Every member's bits: what a flags value of this version's enum can show (a value written through
    /// another version may hold more).
    public var knownMask: Int64 { members.reduce(0) { $0 | ($1.value ?? 0) } }
}
