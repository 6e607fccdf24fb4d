/// Products of row-major matrices over Z_(2^64) (wrapping arithmetic): the local work of Beaver
/// matrix multiplication and of the crypto provider's triples.
enum RingMatrix {
    /// C = A·B for A (m×k) and B (k×n), row-major; rows of C split over `threads` threads.
    static func multiply(_ a: [UInt64], _ b: [UInt64], m: Int, k: Int, n: Int, threads: Int = 1) -> [UInt64] {
        precondition(a.count == m * k && b.count == k * n, "matrix shapes do not match")
        var c = [UInt64](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { cBuf in
            let out = SendablePointer(cBuf.baseAddress!)
            a.withUnsafeBufferPointer { aBuf in
                b.withUnsafeBufferPointer { bBuf in
                    let pa = SendableBox(aBuf.baseAddress!), pb = SendableBox(bBuf.baseAddress!)
                    _ = try? FixedSplit.map(max(1, min(threads, m)), threads: threads) { w -> Int in
                        for i in FixedSplit.chunk(w, of: max(1, min(threads, m)), count: m) {
                            let row = out.pointer + i * n
                            for p in 0..<k {
                                let x = pa.value[i * k + p]
                                let bRow = pb.value + p * n
                                for j in 0..<n { row[j] &+= x &* bRow[j] }
                            }
                        }
                        return 0
                    }
                }
            }
        }
        return c
    }
}
