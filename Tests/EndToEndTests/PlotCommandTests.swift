import Foundation
import HDF5
import Testing

/// Decodes PNG files (8-bit RGB or RGBA, not interlaced) with nothing but Python's zlib and
/// prints, as JSON, each file's size and the colours at the requested pixels.
/// Usage: python3 -c SCRIPT '[[x, y], ...]' FILE...
let pngProbeScript = """
    import json, struct, sys, zlib
    def decode(path):
        data = open(path, "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "not a PNG"
        pos, idat = 8, b""
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0], "bad CRC"
            if kind == b"IHDR": width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if kind == b"IDAT": idat += body
            pos += 12 + length
        assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
        bpp = 3 if ctype == 2 else 4
        raw, stride, rows, prev, pos = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp), 0
        for _ in range(height):
            f, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride]); pos += 1 + stride
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                if f == 1: line[i] = (line[i] + a) & 255
                elif f == 2: line[i] = (line[i] + b) & 255
                elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
            rows.append(line); prev = line
        return width, height, bpp, rows
    points = json.loads(sys.argv[1])
    out = []
    for path in sys.argv[2:]:
        width, height, bpp, rows = decode(path)
        out.append({"width": width, "height": height,
                    "pixels": [list(rows[y][x * bpp:x * bpp + 3]) for x, y in points]})
    print(json.dumps(out))
    """

/// `mibatch plot`: SVG rendered by rsvg-convert and our own PNG, decoded and sampled.
@Suite struct PlotCommandTests {
    /// 400 samples, 6 columns: (0,3) ρ 0.95, (1,4) ρ 0.6, (2,5) independent; column 5 is
    /// constant when `constant` (its pairs fail).
    func writeInput(_ path: String, constant: Bool) throws {
        var random = TestRandom(seed: 5)
        var values = [Double](repeating: 0, count: 400 * 6)
        for row in 0..<400 {
            for (column, rho) in [(0, 0.95), (1, 0.6), (2, 0.0)] {
                let a = random.normal()
                values[row * 6 + column] = a
                values[row * 6 + column + 3] = rho * a + (1 - rho * rho).squareRoot() * random.normal()
            }
            if constant { values[row * 6 + 5] = 2 }
        }
        try File.create(path, overwrite: true).createDataset("/data", type: .float64, shape: [400, 6]).write(values)
    }

    /// The (x, y, width, height) of every `<rect>` with this fill, from the SVG text.
    func rects(filled color: String, in svg: String) -> [(Double, Double, Double, Double)] {
        svg.split(separator: "\n").filter { $0.hasPrefix("<rect ") && $0.contains("fill=\"\(color)\"") }.map { line in
            func number(_ name: String) -> Double {
                let start = line.range(of: " \(name)=\"")!.upperBound
                return Double(line[start...].prefix { $0 != "\"" })!
            }
            return (number("x"), number("y"), number("width"), number("height"))
        }
    }

    func probe(_ points: [[Int]], _ files: [String]) throws -> [[String: Any]] {
        let data = try JSONSerialization.data(withJSONObject: points)
        let result = try runProcess("/usr/bin/env", ["python3", "-c", pngProbeScript, String(decoding: data, as: UTF8.self)] + files)
        #expect(result.status == 0, "PNG probe failed: \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    @Test func heatmapSVGAndPNGShowValuesFailedAndNotComputedCells() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path, output = dir.appendingPathComponent("out.h5").path
        try writeInput(input, constant: true)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"]).status == 3)
        let svgPath = dir.appendingPathComponent("mi.svg").path, pngPath = dir.appendingPathComponent("mi.png").path
        let rendered = dir.appendingPathComponent("rsvg.png").path
        #expect(try runMibatch(["plot", output, "-o", svgPath]).status == 0)
        #expect(try runMibatch(["plot", output, "-o", pngPath]).status == 0)
        let rsvg = try runProcess("/usr/bin/env", ["rsvg-convert", svgPath, "-o", rendered])
        #expect(rsvg.status == 0, "rsvg-convert failed (run .ci/setup-tests to install librsvg2-bin): \(rsvg.stderr)")

        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(svg.contains("KSG-2 (k=3, global-linf), n = 400, 6 variables"))
        for name in ["v0", "v1", "v2", "v3", "v4", "v5"] { #expect(svg.contains(">\(name)</text>"), "axis label \(name)") }
        let failed = rects(filled: "#d72628", in: svg), grey = rects(filled: "#d9d9d9", in: svg)
        #expect(failed.count == 10 + 1, "10 failed cells (column v5 both ways) and the legend swatch")
        #expect(grey.count == 6 + 1, "the diagonal and the legend swatch")
        let brightest = rects(filled: "#fde725", in: svg)
        #expect(brightest.count == 2, "the largest MI, (v0, v3) both ways, is the top of the scale")

        let size = svg.split(separator: "\n")[1]
        var cells: [[Int]] = []
        for (x, y, width, height) in [failed[0], grey[0], brightest[0]] {
            let centre: [Int] = [Int(x + width / 2), Int(y + height / 2)]
            cells.append(centre)
        }
        let images = try probe(cells, [pngPath, rendered])
        let expected = [[215, 38, 40], [217, 217, 217], [253, 231, 37]]
        for image in images {
            #expect(size.contains("width=\"\(image["width"] as? Int ?? -1)\" height=\"\(image["height"] as? Int ?? -1)\""),
                    "PNG size equals the SVG's: \(size)")
        }
        #expect(images[0]["pixels"] as? [[Int]] == expected, "our PNG: exact colours")
        let sampled = images[1]["pixels"] as? [[Int]] ?? []
        #expect(sampled.count == 3 && zip(sampled, expected).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) <= 2 } },
                "rsvg-convert rendering: \(sampled)")
    }

    @Test func clusterPutsDependentVariablesNextToEachOtherDeterministically() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path, output = dir.appendingPathComponent("out.h5").path
        try writeInput(input, constant: false)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"]).status == 0)
        let first = dir.appendingPathComponent("a.svg").path, second = dir.appendingPathComponent("b.svg").path
        #expect(try runMibatch(["plot", output, "-o", first, "--cluster"]).status == 0)
        #expect(try runMibatch(["plot", output, "-o", second, "--cluster"]).status == 0)
        let svg = try String(contentsOfFile: first, encoding: .utf8)
        #expect(try String(contentsOfFile: second, encoding: .utf8) == svg)
        // Row labels are the right-anchored, horizontal texts, top to bottom.
        let rows = svg.split(separator: "\n").filter { $0.contains("text-anchor=\"end\"") && !$0.contains("rotate") }
            .compactMap { $0.split(separator: ">").dropFirst().first?.split(separator: "<").first.map(String.init) }
        #expect(rows.count == 6)
        let position = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        #expect(abs((position["v0"] ?? 0) - (position["v3"] ?? 9)) == 1, "v0 and v3 (ρ 0.95) adjacent: \(rows)")
        #expect(abs((position["v1"] ?? 0) - (position["v4"] ?? 9)) == 1, "v1 and v4 (ρ 0.6) adjacent: \(rows)")
        #expect(svg.contains(", clustered"))
        let plain = try runMibatch(["plot", output, "-o", dir.appendingPathComponent("c.svg").path])
        #expect(plain.status == 0)
        #expect(try String(contentsOfFile: dir.appendingPathComponent("c.svg").path, encoding: .utf8) != svg)
    }

    @Test func informationPlaneOfATwoRowRectangularRun() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path, output = dir.appendingPathComponent("plane.h5").path
        try writeInput(input, constant: false)
        let spec = "X=0:1,Y=3:4,T1=1:2,T2=4:5,T3=2:3"
        #expect(try runMibatch(["run", input, "--dataset", "/data", "--variables", spec, "--x-vars", "X,Y", "--y-vars", "T*", "-o", output, "--quiet"]).status == 0)
        let svgPath = dir.appendingPathComponent("plane.svg").path, pngPath = dir.appendingPathComponent("plane.png").path
        #expect(try runMibatch(["plot", output, "-o", svgPath, "--information-plane"]).status == 0)
        #expect(try runMibatch(["plot", output, "-o", pngPath, "--information-plane"]).status == 0)
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 3)
        for label in ["T1", "T2", "T3", "I(X; T) (nats)", "I(T; Y) (nats)", "Information plane: "] {
            #expect(svg.contains(">\(label)"), "\(label) in the SVG")
        }
        let rendered = dir.appendingPathComponent("rsvg.png").path
        #expect(try runProcess("/usr/bin/env", ["rsvg-convert", svgPath, "-o", rendered]).status == 0)
        let images = try probe([[0, 0]], [pngPath, rendered])
        let header = String(svg.split(separator: "\n")[1])
        for image in images {
            let width = image["width"] as? Int ?? -1, height = image["height"] as? Int ?? -1
            #expect(width >= 760 && height == 560 && header.contains("width=\"\(width)\" height=\"\(height)\""), "\(image) vs \(header)")
        }

        let square = dir.appendingPathComponent("square.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", square, "--quiet"]).status == 0)
        let refused = try runMibatch(["plot", square, "-o", svgPath, "--information-plane"])
        #expect(refused.status == 64 && refused.stderr.contains("exactly 2 rows"))
        let badExtension = try runMibatch(["plot", square, "-o", dir.appendingPathComponent("x.pdf").path])
        #expect(badExtension.status == 64)
        let notOutput = try runMibatch(["plot", input, "-o", svgPath])
        #expect(notOutput.status == 65)
    }
}
