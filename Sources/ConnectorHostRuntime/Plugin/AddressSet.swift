/// A set of nonzero addresses, for ``HostAllocator``: every call adds one and
/// takes one away, and `Set<UInt>` spends most of that time hashing with
/// SipHash, which guards against keys an attacker picks — addresses are the
/// allocator's own.
///
/// Open addressing with linear probing and backward-shift deletion (no
/// tombstones); the table doubles at half full. Not thread-safe: the allocator
/// keeps it under its lock.
struct AddressSet: ~Copyable {
    private var slots: UnsafeMutableBufferPointer<UInt>
    private var shift: Int
    private(set) var count = 0

    init() {
        slots = .allocate(capacity: 64)
        slots.initialize(repeating: 0)
        shift = UInt.bitWidth - 6
    }

    deinit { slots.deallocate() }

    /// Adds `address` (nonzero); nothing when it is already in.
    mutating func insert(_ address: UInt) {
        precondition(address != 0, "AddressSet holds nonzero addresses")
        if (count + 1) * 2 > slots.count { grow() }
        if case .vacant(let slot) = find(address) {
            slots[slot] = address
            count += 1
        }
    }

    func contains(_ address: UInt) -> Bool {
        guard address != 0, case .occupied = find(address) else { return false }
        return true
    }

    /// Takes `address` out.
    ///
    /// - Returns: Whether it was in.
    mutating func remove(_ address: UInt) -> Bool {
        guard address != 0, case .occupied(var hole) = find(address) else { return false }
        let mask = slots.count - 1
        // Each later address of the run moves into the hole unless the hole
        // lies before its home slot, where a lookup would never probe.
        var next = hole
        while true {
            next = (next + 1) & mask
            let moving = slots[next]
            if moving == 0 { break }
            let home = self.home(moving)
            let homeBetween = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if homeBetween { continue }
            slots[hole] = moving
            hole = next
        }
        slots[hole] = 0
        count -= 1
        return true
    }

    private enum Lookup {
        case occupied(Int)
        case vacant(Int)
    }

    private func find(_ address: UInt) -> Lookup {
        let mask = slots.count - 1
        var slot = home(address)
        while true {
            switch slots[slot] {
            case address: return .occupied(slot)
            case 0: return .vacant(slot)
            default: slot = (slot + 1) & mask
            }
        }
    }

    /// Fibonacci hashing: blocks are 16-byte aligned, and the multiply spreads
    /// the bits that vary into the top ones the shift keeps.
    private func home(_ address: UInt) -> Int {
        Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15) >> UInt(shift))
    }

    private mutating func grow() {
        let old = slots
        slots = .allocate(capacity: old.count * 2)
        slots.initialize(repeating: 0)
        shift -= 1
        count = 0
        for address in old where address != 0 {
            insert(address)
        }
        old.deallocate()
    }
}
