import Foundation
import Testing

@testable import StatusGraphServer

/// New ids: Graph's GUID form, UUID version 7, ordered by creation time, never repeated; request ids
/// are version 4 UUIDs; both draw on the kernel's randomness.
@Suite struct IdentifierTests {
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

    @Test func requestIdsAreVersion4UUIDsInGraphForm() {
        let ids = (0..<10_000).map { _ in RequestID.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            #expect(id.count == 36 && id == id.lowercased() && UUID(uuidString: id) != nil, "\(id)")
            let hex = Array(id.replacingOccurrences(of: "-", with: ""))
            #expect(hex[12] == "4" && "89ab".contains(hex[16]), "\(id)")
        }
    }

    /// Every hexadecimal digit lands where UUID's own text puts it.
    @Test(arguments: [(UInt64(0), UInt64(0)), (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210), (UInt64.max, UInt64.max)])
    func uuidTextMatchesFoundation(_ high: UInt64, _ low: UInt64) {
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        #expect(UUIDText.format(high, low) == uuid.uuidString.lowercased())
    }

    /// Draws cross the 4 KiB pool's refills without repeating a value.
    @Test func kernelRandomRefillsWithoutRepeats() {
        let draws = (0..<1000).map { _ in KernelRandom.shared.next128() }
        #expect(Set(draws.map { "\($0.0)-\($0.1)" }).count == draws.count)
    }
}
