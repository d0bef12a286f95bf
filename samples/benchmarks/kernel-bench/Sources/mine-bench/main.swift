// One MINE estimate (defaults: [64, 64], batch 256, Adam) on n = 5,000, d = 5 + 5, truth 2 nats.
// Usage: mine-bench [steps]
import MIEstimators
import Glibc
func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
let n = 5000, d = 5
let steps = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 2000
var g = SeededGenerator(seed: 7, stream: 1)
let rho = (1 - exp(-2.0 * 2 / Double(d))).squareRoot()
var xv = [Double](), tv = [Double]()
for _ in 0..<(n * d) { let a = gaussian(&g), b = gaussian(&g); xv.append(a); tv.append(rho * a + (1 - rho * rho).squareRoot() * b) }
let x = VariableData(count: n, dimension: d, values: xv), t = VariableData(count: n, dimension: d, values: tv)
var p = MINE.Parameters(); p.steps = steps
let mine = MINE(parameters: p)
let px = mine.prepare(x), pt = mine.prepare(t)
let t0 = now()
let v = try! mine.estimate(px, pt, seed: 1, pair: (0, 1))
print("MINE steps=\(steps): \(now() - t0) s, estimate \(v)")
