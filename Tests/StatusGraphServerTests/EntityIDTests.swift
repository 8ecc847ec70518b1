import Foundation
import Testing

@testable import StatusGraphServer

/// New ids: Graph's GUID form, UUID version 7, ordered by creation time, never repeated.
@Suite struct EntityIDTests {
    @Test func idsAreVersion7UUIDsInGraphForm() throws {
        let id = EntityID.make(now: Date(timeIntervalSince1970: 1_795_453_121.123))
        #expect(id.count == 36)
        #expect(id == id.lowercased())
        #expect(UUID(uuidString: id) != nil)
        let hex = Array(id.replacingOccurrences(of: "-", with: ""))
        #expect(hex[12] == "7", "version nibble of \(id)")
        #expect("89ab".contains(hex[16]), "variant of \(id)")
        // The first 48 bits hold the milliseconds since 1970.
        #expect(UInt64(String(hex[0..<12]), radix: 16) == 1_795_453_121_123)
    }

    @Test func laterIdsSortAfterEarlierOnes() {
        // One id every 2 ms (within one millisecond, ids are in random order).
        let ids = (0..<1000).map { EntityID.make(now: Date(timeIntervalSince1970: Double(1_795_453_121_000 + 2 * $0) / 1000)) }
        #expect(ids.indices.dropFirst().allSatisfy { ids[$0 - 1] < ids[$0] })
        #expect(Set(ids).count == ids.count)
        #expect(Set((0..<10_000).map { _ in EntityID.make() }).count == 10_000)
    }
}
