/// An RGB pixel buffer that draws ``Scene`` elements: rectangles and cell grids by pixel
/// coverage of their edges (rounded), lines and circles without anti-aliasing, and text with
/// ``BitmapFont`` scaled by whole pixels (size / 8, at least 1).
struct Raster {
    let width: Int, height: Int
    /// 3 bytes per pixel, row-major.
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    /// The colour at (x, y).
    func color(x: Int, y: Int) -> RGB {
        let index = (y * width + x) * 3
        return RGB(pixels[index], pixels[index + 1], pixels[index + 2])
    }

    mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        pixels[index] = color.red
        pixels[index + 1] = color.green
        pixels[index + 2] = color.blue
    }

    /// Pixels whose centres lie inside [x, x + w) × [y, y + h).
    mutating func fill(x: Double, y: Double, width w: Double, height h: Double, _ color: RGB) {
        let x0 = max(0, Int((x).rounded())), x1 = min(width, Int((x + w).rounded()))
        let y0 = max(0, Int((y).rounded())), y1 = min(height, Int((y + h).rounded()))
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 { for column in x0..<x1 { set(column, row, color) } }
    }

    mutating func draw(_ element: Scene.Element) {
        switch element {
        case let .rect(x, y, w, h, fill, stroke):
            if let fill { self.fill(x: x, y: y, width: w, height: h, fill) }
            if let stroke {
                line(x, y, x + w, y, stroke); line(x, y + h, x + w, y + h, stroke)
                line(x, y, x, y + h, stroke); line(x + w, y, x + w, y + h, stroke)
            }
        case let .line(x1, y1, x2, y2, color, _):
            line(x1, y1, x2, y2, color)
        case let .circle(cx, cy, r, fill, stroke):
            let x0 = Int((cx - r - 1).rounded(.down)), x1 = Int((cx + r + 1).rounded(.up))
            let y0 = Int((cy - r - 1).rounded(.down)), y1 = Int((cy + r + 1).rounded(.up))
            for y in y0...y1 {
                for x in x0...x1 {
                    let distance = ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy)).squareRoot()
                    if distance <= r - 1 { set(x, y, fill) } else if distance <= r { set(x, y, stroke) }
                }
            }
        case let .text(x, y, text, size, anchor, vertical, color):
            self.text(x: x, y: y, text, size: size, anchor: anchor, vertical: vertical, color)
        case let .cells(x, y, w, h, columns, rows, colors):
            // Each pixel takes the cell under its centre (nearest neighbour).
            let x0 = max(0, Int(x.rounded())), x1 = min(width, Int((x + w).rounded()))
            let y0 = max(0, Int(y.rounded())), y1 = min(height, Int((y + h).rounded()))
            guard x0 < x1, y0 < y1 else { return }
            for py in y0..<y1 {
                let row = min(rows - 1, max(0, Int((Double(py) + 0.5 - y) / h * Double(rows))))
                for px in x0..<x1 {
                    let column = min(columns - 1, max(0, Int((Double(px) + 0.5 - x) / w * Double(columns))))
                    set(px, py, colors[row * columns + column])
                }
            }
        }
    }

    /// A one-pixel line (Bresenham).
    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: RGB) {
        var x = Int(x1.rounded(.down)), y = Int(y1.rounded(.down))
        let xEnd = Int(x2.rounded(.down)), yEnd = Int(y2.rounded(.down))
        let dx = abs(xEnd - x), dy = -abs(yEnd - y)
        let sx = x < xEnd ? 1 : -1, sy = y < yEnd ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y, color)
            if x == xEnd && y == yEnd { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// Scale of the bitmap font for a text size in pixels.
    static func scale(forSize size: Double) -> Int { max(1, Int((size / 8).rounded())) }

    /// Text with its baseline (the glyphs' seventh row) at `y`.
    mutating func text(x: Double, y: Double, _ text: String, size: Double, anchor: Scene.Anchor, vertical: Bool, _ color: RGB) {
        let scale = Self.scale(forSize: size)
        let length = Double(BitmapFont.textWidth(text) * scale)
        let shift = anchor == .start ? 0 : (anchor == .middle ? length / 2 : length)
        let baseline = 7 * scale
        for (position, character) in text.enumerated() {
            for gy in 0..<BitmapFont.height {
                for gx in 0..<BitmapFont.width where BitmapFont.pixel(character, x: gx, y: gy) {
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            let along = Int((-shift).rounded()) + (position * BitmapFont.advance + gx) * scale + sx
                            let across = gy * scale + sy - baseline
                            if vertical { set(Int(x.rounded()) + across, Int(y.rounded()) - along, color) }
                            else { set(Int(x.rounded()) + along, Int(y.rounded()) + across, color) }
                        }
                    }
                }
            }
        }
    }
}
