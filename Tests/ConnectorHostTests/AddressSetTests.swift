@testable import ConnectorHostRuntime
import Testing

/// The allocator's table of live blocks answers as `Set<UInt>` does, through
/// growth and removals in the middle of probe runs (which move later
/// addresses back, across the table's end when a run wraps around it).
@Suite(.timeLimit(.minutes(1))) struct AddressSetTests {
    enum Shape: CaseIterable, Sendable {
        /// Heap-like: 16-byte blocks side by side, as malloc hands them out.
        case adjacentBlocks
        /// Addresses that differ only in their high bits, which the hash must spread.
        case farApartBlocks
        case scatteredAddresses

        func address(_ random: inout SplitMix) -> UInt {
            switch self {
            case .adjacentBlocks: UInt(0x5555_0000_0000) + UInt(random.next() % 4096) * 16
            case .farApartBlocks: UInt(1 + random.next() % 300) << 40
            case .scatteredAddresses: UInt(random.next() | 1)
            }
        }
    }

    @Test(arguments: Shape.allCases)
    func answersAsASetDoesThroughInsertsAndRemovals(_ shape: Shape) {
        var random = SplitMix(seed: 42)
        var table = AddressSet()
        var expected = Set<UInt>()
        for step in 0..<60_000 {
            let candidate = shape.address(&random)
            // Mostly inserts early, mostly removals late: the table grows, then empties.
            if random.next() % 100 < (step < 30_000 ? 70 : 30) {
                table.insert(candidate)
                expected.insert(candidate)
            } else {
                let removed = table.remove(candidate)
                #expect(removed == (expected.remove(candidate) != nil), "\(shape), step \(step)")
            }
            let probe = shape.address(&random)
            let contained = table.contains(probe)
            #expect(contained == expected.contains(probe), "\(shape), step \(step)")
        }
        let count = table.count
        #expect(count == expected.count)
        for member in expected {
            let contained = table.contains(member)
            let removed = table.remove(member)
            #expect(contained && removed, "\(shape): \(member) lost")
        }
        let emptied = table.count
        #expect(emptied == 0)
    }

    @Test func zeroIsNeverAMemberAndAnAddressIsHeldOnce() {
        var table = AddressSet()
        let zeroContained = table.contains(0)
        let zeroRemoved = table.remove(0)
        #expect(!zeroContained && !zeroRemoved)
        table.insert(0x1000)
        table.insert(0x1000)
        let count = table.count
        #expect(count == 1)
        let first = table.remove(0x1000)
        let second = table.remove(0x1000)
        let contained = table.contains(0x1000)
        #expect(first && !second && !contained)
    }
}
