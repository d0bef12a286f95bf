import Foundation

/// An sRGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    /// Channels 0…255.
    public var red: UInt8, green: UInt8, blue: UInt8

    /// Creates a colour from its channels.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `#rrggbb`.
    public var hex: String { String(format: "#%02x%02x%02x", red, green, blue) }

    static let black = RGB(0, 0, 0), white = RGB(255, 255, 255), grey = RGB(110, 110, 110)
}

/// A figure as a list of drawing elements in pixel coordinates (origin top left), rendered
/// to SVG text or, through ``Raster``, to PNG. Both renderings come from this one layout.
public struct Scene: Sendable {
    /// How text is placed relative to its anchor point.
    public enum Anchor: String, Sendable { case start, middle, end }

    /// One drawing element.
    public enum Element: Sendable {
        /// A rectangle, filled and/or outlined.
        case rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?)
        /// A straight line.
        case line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double)
        /// A filled circle with an outline.
        case circle(x: Double, y: Double, radius: Double, fill: RGB, stroke: RGB)
        /// Text with its baseline at `y`; `vertical` reads bottom to top (rotated −90°).
        case text(x: Double, y: Double, text: String, size: Double, anchor: Anchor, vertical: Bool, color: RGB)
        /// A `columns × rows` grid of cells (row-major colours) stretched over the rectangle.
        case cells(x: Double, y: Double, width: Double, height: Double, columns: Int, rows: Int, colors: [RGB])
    }

    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Elements in painting order.
    public var elements: [Element] = []

    /// An empty white scene.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        elements.append(.rect(x: 0, y: 0, width: Double(width), height: Double(height), fill: .white, stroke: nil))
    }

    /// Cell grids above this many cells are embedded in SVG as one PNG image at display
    /// resolution (each pixel the cell under its centre) instead of one `<rect>` per cell.
    public static let maximumSVGCells = 250 * 250

    /// The figure as a standalone SVG 1.1 document.
    public var svg: String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" "
                        + "width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
                        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"]
        for element in elements {
            switch element {
            case let .rect(x, y, w, h, fill, stroke):
                lines.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill?.hex ?? "none")\""
                    + (stroke.map { " stroke=\"\($0.hex)\" stroke-width=\"1\"" } ?? "") + "/>")
            case let .line(x1, y1, x2, y2, color, w):
                lines.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(color.hex)\" stroke-width=\"\(n(w))\"/>")
            case let .circle(x, y, r, fill, stroke):
                lines.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill.hex)\" stroke=\"\(stroke.hex)\"/>")
            case let .text(x, y, text, size, anchor, vertical, color):
                let rotation = vertical ? " transform=\"rotate(-90 \(n(x)) \(n(y)))\"" : ""
                lines.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(color.hex)\"\(rotation)>"
                    + escaped(text) + "</text>")
            case let .cells(x, y, w, h, columns, rows, colors):
                if columns * rows <= Self.maximumSVGCells {
                    lines.append("<g shape-rendering=\"crispEdges\">")
                    let cw = w / Double(columns), ch = h / Double(rows)
                    for row in 0..<rows {
                        for column in 0..<columns {
                            lines.append("<rect x=\"\(n(x + Double(column) * cw))\" y=\"\(n(y + Double(row) * ch))\" width=\"\(n(cw))\" "
                                + "height=\"\(n(ch))\" fill=\"\(colors[row * columns + column].hex)\"/>")
                        }
                    }
                    lines.append("</g>")
                } else {
                    // Upsampled here to whole display pixels, so no renderer smooths the cells.
                    var raster = Raster(width: max(1, Int(w.rounded())), height: max(1, Int(h.rounded())))
                    raster.draw(.cells(x: 0, y: 0, width: w, height: h, columns: columns, rows: rows, colors: colors))
                    let png = PNGEncoder.encode(width: raster.width, height: raster.height, rgb: raster.pixels)
                    lines.append("<image x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(raster.width)\" height=\"\(raster.height)\" preserveAspectRatio=\"none\" "
                        + "image-rendering=\"optimizeSpeed\" xlink:href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>")
                }
            }
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The figure as PNG bytes, drawn by ``Raster``.
    public var png: [UInt8] {
        var raster = Raster(width: width, height: height)
        for element in elements { raster.draw(element) }
        return PNGEncoder.encode(width: width, height: height, rgb: raster.pixels)
    }

    /// A coordinate with at most two decimals.
    func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
