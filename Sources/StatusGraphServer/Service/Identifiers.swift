import Foundation
import ODataCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ids of new entities: UUIDs as Graph gives them (lower-case, 8-4-4-4-12), of version 7 (RFC 9562):
/// the first 48 bits are the Unix time in milliseconds, the rest random. Time-ordered ids append to the
/// end of every index keyed by id instead of landing on a random page, so a commit of many new statuses
/// writes a few pages rather than one per status; they stay unguessable (74 random bits).
enum EntityID {
    static func make(now: Date = Date()) -> String {
        var (high, low) = KernelRandom.shared.next128()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        high = millis << 16 | 0x7000 | (high & 0x0FFF)  // 48 bits of time, version 7, 12 random bits
        low = 0x8000_0000_0000_0000 | (low & 0x3FFF_FFFF_FFFF_FFFF)  // RFC 9562 variant, 62 random bits
        return UUIDText.format(high, low)
    }
}

/// `request-id` values: random (version 4) UUIDs in Graph's lower-case form.
enum RequestID {
    static func make() -> String {
        var (high, low) = KernelRandom.shared.next128()
        high = high & ~0xF000 | 0x4000
        low = 0x8000_0000_0000_0000 | (low & 0x3FFF_FFFF_FFFF_FFFF)
        return UUIDText.format(high, low)
    }
}

/// The kernel's random bytes, drawn 4 KiB at a time: an id takes 16 of them, not a system call of its
/// own (`UUID()` and `SystemRandomNumberGenerator` make one per value). The bytes are the kernel's own
/// (glibc's `arc4random_buf` reads them with getrandom(2)), so ids stay as unpredictable as theirs.
final class KernelRandom: Sendable {
    static let shared = KernelRandom()
    private static let poolSize = 4096

    private struct Pool: ~Copyable {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: KernelRandom.poolSize, alignment: 16)
        var used = KernelRandom.poolSize
        deinit { bytes.deallocate() }
    }

    private let pool = Mutex(Pool())

    func next128() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.used == Self.poolSize {
                Self.fill(pool.bytes)
                pool.used = 0
            }
            defer { pool.used += 16 }
            return (pool.bytes.load(fromByteOffset: pool.used, as: UInt64.self),
                    pool.bytes.load(fromByteOffset: pool.used + 8, as: UInt64.self))
        }
    }

    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc)
        arc4random_buf(buffer.baseAddress!, buffer.count)  // glibc: one getrandom(2) for the whole pool
        #else
        var rng = SystemRandomNumberGenerator()
        for i in buffer.indices { buffer[i] = rng.next() }
        #endif
    }
}

/// A UUID's 128 bits as 36 lower-case characters (8-4-4-4-12).
enum UUIDText {
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    out[o] = UInt8(ascii: "-")
                    o += 1
                }
                let word = nibble < 16 ? high : low
                out[o] = UTF8Bytes.hexDigit(word >> UInt64(60 - 4 * (nibble & 15)))
                o += 1
            }
            return o
        }
    }
}
