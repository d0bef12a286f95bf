import Foundation
import Testing
import CZlib
@testable import MIBatch

/// Building blocks of `mibatch plot`: clustering order, colour scale, ticks, PNG checksums.
@Suite struct FigureTests {
    /// Symmetric distance matrix from the upper-triangle entries.
    func matrix(_ count: Int, _ entries: [((Int, Int), Double)], default value: Double = 1) -> [Double] {
        var result = [Double](repeating: value, count: count * count)
        for ((i, j), d) in entries { result[i * count + j] = d; result[j * count + i] = d }
        return result
    }

    @Test func averageLinkageOrdersNearestPairsTogether() {
        let d = matrix(5, [((0, 3), 0.1), ((1, 4), 0.2), ((0, 2), 0.5), ((2, 3), 0.5)])
        #expect(Clustering.order(distances: d, count: 5) == [0, 3, 2, 1, 4])
    }

    @Test func tiesAreBrokenBySmallestIndices() {
        // Every distance equal: merges (0,1), then (0,2), ...; the order is the identity.
        #expect(Clustering.order(distances: matrix(6, []), count: 6) == [0, 1, 2, 3, 4, 5])
        // Two equally close pairs: (1,3) merges before (2,4) and comes first.
        let d = matrix(5, [((2, 4), 0.3), ((1, 3), 0.3)])
        #expect(Clustering.order(distances: d, count: 5) == [0, 1, 3, 2, 4])
        #expect(Clustering.order(distances: [], count: 0) == [])
        #expect(Clustering.order(distances: [0], count: 1) == [0])
    }

    @Test func distancesFromMIIgnoreFailedAndNegativeValues() {
        let mi: [Double] = [.nan, 2, -0.1, 2, .nan, 1, -0.1, 1, .nan]
        let status: [UInt8] = [0, 1, 1, 1, 0, 2, 1, 2, 0]
        #expect(Clustering.distances(mi: mi, status: status, count: 3) == [1, 0, 1, 0, 1, 1, 1, 1, 1])
    }

    @Test func colourScaleEndsAndStatusColours() {
        let scale = ColorScale(values: [0.2, 0.9, .nan, -0.05])
        #expect(scale.minimum == -0.05 && scale.maximum == 0.9)
        #expect(scale.color(value: 0.9, status: 1) == RGB(0xFD, 0xE7, 0x25))
        #expect(scale.color(value: -0.05, status: 1) == RGB(0x44, 0x01, 0x54))
        #expect(scale.color(value: 0.5, status: 2) == ColorScale.failed)
        #expect(scale.color(value: .nan, status: 0) == ColorScale.notComputed)
        #expect(scale.color(value: .nan, status: 1) == ColorScale.failed)
        #expect(ColorScale(values: []).maximum == 1)
    }

    @Test func ticksAreRoundNumbersInsideTheRange() {
        let unit = Ticks.nice(0, 1)
        #expect(unit.count == 6 && unit.enumerated().allSatisfy { abs($1 - 0.2 * Double($0)) < 1e-12 }, "\(unit)")
        let ticks = Ticks.nice(-0.28, 0.47)
        #expect(ticks.first! >= -0.28 && ticks.last! <= 0.47 && ticks.contains(0))
        #expect(Ticks.nice(0, 299).allSatisfy { $0.truncatingRemainder(dividingBy: 50) == 0 })
    }

    @Test func pngChecksumsMatchKnownValues() {
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        let filtered = (0..<30_000).map { UInt8(truncatingIfNeeded: $0 / 700) }   // flat runs, as figures are
        let stream = PNGEncoder.zlibStream(filtered)
        #expect(stream.first == 0x78 && stream.count < 300, "zlib stream of \(stream.count) bytes")
        var length = uLong(filtered.count)
        var restored = [UInt8](repeating: 0, count: filtered.count)
        #expect(uncompress(&restored, &length, stream, uLong(stream.count)) == Z_OK && restored == filtered)
        let png = PNGEncoder.encode(width: 2, height: 1, rgb: [255, 0, 0, 0, 0, 255])
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    @Test func bitmapFontCoversPrintableASCII() {
        #expect(BitmapFont.glyphs.count == 95 && BitmapFont.glyphs.allSatisfy { $0.count == 8 })
        #expect(BitmapFont.pixel("I", x: 2, y: 3) && !BitmapFont.pixel("I", x: 0, y: 3))
        #expect(BitmapFont.index("é") == BitmapFont.index("?"))
        #expect(BitmapFont.textWidth("abc") == 17)
    }

    @Test func cellGridsAreRectsWhenSmallAndOneEmbeddedImageWhenLarge() {
        var small = Scene(width: 100, height: 100)
        small.elements.append(.cells(x: 10, y: 10, width: 20, height: 20, columns: 2, rows: 2, colors: [.black, .white, .white, .black]))
        #expect(small.svg.components(separatedBy: "<rect ").count - 1 == 1 + 4)
        var large = Scene(width: 400, height: 400)
        let colors = (0..<(300 * 300)).map { $0 % 2 == 0 ? RGB.black : RGB.white }
        large.elements.append(.cells(x: 50, y: 50, width: 300, height: 300, columns: 300, rows: 300, colors: colors))
        let svg = large.svg
        #expect(svg.contains("<image ") && svg.contains("data:image/png;base64,") && !svg.contains("shape-rendering"))
        var raster = Raster(width: 400, height: 400)
        for element in large.elements { raster.draw(element) }
        #expect(raster.color(x: 50, y: 50) == .black && raster.color(x: 51, y: 50) == .white)
        #expect(raster.color(x: 50, y: 51) == .black && raster.color(x: 49, y: 51) == .white)
    }

    @Test func largeHeatmapsKeepTheCellUnderEachPixel() {
        let p = 1_000
        var values = [Double](repeating: 0.1, count: p * p), status = [UInt8](repeating: 1, count: p * p)
        for i in 0..<p { values[i * p + i] = .nan; status[i * p + i] = 0 }
        values[p - 1] = 0.9 // (0, 999): the maximum, top right
        status[(p - 1) * p] = 2 // (999, 0): failed, bottom left
        let names = (0..<p).map { "v\($0)" }
        var layers = MatrixLayers()
        layers[.mi] = .float64(values)
        layers[.status] = .uint8(status)
        let result = ResultFile(path: "x.h5", rowNames: names, columnNames: names, layers: layers,
                                attributes: [:], attributeOrder: [], chunks: nil, filters: [], units: "nats")
        let scene = HeatmapFigure.scene(result, rowOrder: Array(0..<p), columnOrder: Array(0..<p), title: "t")
        let grids = scene.elements.compactMap { element -> (Int, Int, [RGB])? in
            if case let .cells(_, _, _, _, columns, rows, colors) = element, rows > 1 && columns > 1 { return (columns, rows, colors) }
            return nil
        }
        #expect(grids.count == 1)
        guard let (columns, rows, colors) = grids.first else { return }
        #expect(columns == 720 && rows == 720)
        #expect(colors[719] == RGB(0xFD, 0xE7, 0x25), "top right pixel shows cell (0, 999)")
        #expect(colors[719 * 720] == ColorScale.failed, "bottom left pixel shows cell (999, 0)")
        #expect(colors[0] == ColorScale.notComputed && colors[720 * 720 - 1] == ColorScale.notComputed, "diagonal ends")
    }
}
