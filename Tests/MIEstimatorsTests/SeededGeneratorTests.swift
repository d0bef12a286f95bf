import MIEstimators
import Testing

/// `SeededGenerator` is the one SplitMix64 of the package (the scheduler's victim choice and
/// the end-to-end tests' data use it too): its outputs are part of every seeded result.
@Suite struct SeededGeneratorTests {
    /// Values of the (seed, stream) streams as they were before anything else used them.
    @Test func streamsKeepTheirValues() {
        var g = SeededGenerator(seed: 1, stream: 1)
        #expect((0..<3).map { _ in g.next() } == [0xC342_C52C_461D_FF58, 0x49A7_BF1F_5C9D_ABD8, 0x08C6_BFBD_1A71_E331])
        var h = SeededGenerator(seed: 0, stream: 0)
        #expect((0..<2).map { _ in h.next() } == [0x6DA6_CE24_D0F8_1B9C, 0xDCD8_FFFE_34D7_ADAE])
    }

    /// The plain SplitMix64 of Steele, Lea and Flood: the reference sequence from state 0,
    /// and the textbook loop from any state.
    @Test func splitMix64StateIsTheTextbookSequence() {
        var zero = SeededGenerator(splitMix64State: 0)
        #expect((0..<3).map { _ in zero.next() } == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* 77
        var generator = SeededGenerator(splitMix64State: state)
        for _ in 0..<1000 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            #expect(generator.next() == z ^ (z >> 31))
        }
    }
}
