// One KSG pair with multi-dimensional variables, timed with either neighbour search:
// X = U, T = 0.6·U' + 0.8·V per coordinate (U' = U's first dy coordinates, cycled), Gaussian,
// n samples. Prints wall-clock seconds of prepare and estimate (and the estimate's user CPU time), the estimate's bits and
// the process's peak resident memory. Usage: knn-bench n dx dy [tree|brute|auto] [1|2]
import MIEstimators
import Glibc
func cpu() -> Double { var r = rusage(); getrusage(RUSAGE_SELF.rawValue, &r); return Double(r.ru_utime.tv_sec) + Double(r.ru_utime.tv_usec) * 1e-6 }
func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
let a = CommandLine.arguments
let n = Int(a[1])!, dx = Int(a[2])!, dy = Int(a[3])!
let mode = a.count > 4 ? a[4] : "auto"
let alg: KSGAlgorithm = a.count > 5 && a[5] == "2" ? .ksg2 : .ksg1
var g = SeededGenerator(seed: 7, stream: 1)
let u = (0..<(n * dx)).map { _ in gaussian(&g) }
var t = [Double](repeating: 0, count: n * dy)
for i in 0..<n { for j in 0..<dy { t[i * dy + j] = 0.6 * u[i * dx + (j % dx)] + 0.8 * gaussian(&g) } }
var est = KSG(k: 3, algorithm: alg)
est.neighbourSearch = mode == "tree" ? .tree : mode == "brute" ? .bruteForce : .automatic
let t0 = now()
let px = est.prepare(VariableData(count: n, dimension: dx, values: u))
let py = est.prepare(VariableData(count: n, dimension: dy, values: t))
let t1 = now(), c1 = cpu()
let mi = try! est.estimate(px, py)
let t2 = now(), c2 = cpu()
var ru = rusage(); getrusage(RUSAGE_SELF.rawValue, &ru)
print("n=\(n) dx=\(dx) dy=\(dy) \(mode) KSG-\(alg.rawValue): prepare \(t1 - t0) s, estimate \(t2 - t1) s (CPU \(c2 - c1) s), "
    + "MI \(mi) (bits \(String(mi.bitPattern, radix: 16))), peak RSS \(ru.ru_maxrss / 1024) MiB")
