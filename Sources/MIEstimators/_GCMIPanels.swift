import CBLAS

extension GCMI {
    /// Variables per panel of the all-pairs product. Every product is one
    /// `panelWidth × panelWidth × n` `dgemm` on zero-padded panels, so its shape, and with
    /// it the BLAS kernel and the order of every sum, is the same for each pair whatever
    /// the tiles, threads or shards around it.
    public static let panelWidth = 128

    /// Up to ``panelWidth`` scalar variables of n samples side by side: an n × ``panelWidth``
    /// column-major matrix of their scores, zero-padded.
    public struct Panel: Sendable {
        /// Samples n.
        public let samples: Int
        /// Variables held (the rest of the columns are zero).
        public let width: Int
        /// n × ``panelWidth`` scores, column-major.
        let values: [Double]
        /// Each variable's sum of squared scores (its Gram diagonal).
        let squares: [Double]

        /// Packs `variables` (scalar, n samples each, at most ``panelWidth``).
        ///
        /// - Precondition: every variable scalar with the same n; `variables.count <= panelWidth`.
        /// - Complexity: O(n·``panelWidth``).
        public init(_ variables: [Prepared]) {
            precondition(variables.count <= GCMI.panelWidth, "GCMI.Panel: at most \(GCMI.panelWidth) variables")
            let n = variables.first?.count ?? 0
            var values = [Double](repeating: 0, count: n * GCMI.panelWidth)
            var squares = [Double](repeating: 1, count: GCMI.panelWidth)
            for (c, variable) in variables.enumerated() {
                precondition(variable.dimension == 1 && variable.count == n, "GCMI.Panel: scalar variables of one length")
                values.withUnsafeMutableBufferPointer { out in
                    variable.scores.withUnsafeBufferPointer { source in
                        (out.baseAddress! + c * n).update(from: source.baseAddress!, count: n)
                    }
                }
                squares[c] = variable.gram[0]
            }
            self.samples = n
            self.width = variables.count
            self.values = values
            self.squares = squares
        }
    }

    /// Space for one panel product (``panelWidth``² doubles), reused across products.
    public struct PanelProduct: ~Copyable {
        /// Dot products, column-major: `dots[row + column * panelWidth]`.
        var dots: UnsafeMutableBufferPointer<Double>

        /// Allocates the space.
        public init() {
            dots = .allocate(capacity: GCMI.panelWidth * GCMI.panelWidth)
            dots.initialize(repeating: 0)
        }

        deinit { dots.deallocate() }
    }

    /// Computes the dot products of every variable of `a` with every variable of `b` into
    /// `product` (one `dgemm`, OpenBLAS single-threaded).
    ///
    /// - Precondition: `a.samples == b.samples`.
    /// - Complexity: O(n·``panelWidth``²).
    public static func multiply(_ a: Panel, _ b: Panel, into product: inout PanelProduct) {
        precondition(a.samples == b.samples, "GCMI.multiply: panels of different lengths")
        guard let dgemm = blas.dgemm else { preconditionFailure("GCMI.multiply: OpenBLAS is not installed (check GCMI.blasAvailable first)") }
        let w = Int32(panelWidth), n = Int32(a.samples)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                dgemm(Int32(MIB_CBLAS_COL_MAJOR), Int32(MIB_CBLAS_TRANS), Int32(MIB_CBLAS_NO_TRANS),
                      w, w, n, 1.0, pa.baseAddress, max(n, 1), pb.baseAddress, max(n, 1), 0.0, product.dots.baseAddress, w)
            }
        }
    }

    /// Î in nats of variable `row` of `a` and variable `column` of `b`, from a product made
    /// by ``multiply(_:_:into:)``; `bias` is ``scalarBias(samples:)`` (computed once per product).
    ///
    /// - Complexity: O(1).
    @inline(__always)
    public static func estimate(_ product: borrowing PanelProduct, row: Int, column: Int, _ a: Panel, _ b: Panel, bias: Double) -> Double {
        uncorrected(product: product.dots[row + column * GCMI.panelWidth], a.squares[row], b.squares[column]) + bias
    }

    /// The bias term of a scalar pair of n samples: ``bias(samples:_:_:)`` with d = 1, or 0
    /// without the correction.
    public func scalarBias(samples n: Int) -> Double { biasCorrection ? Self.bias(samples: n, 1, 1) : 0 }

    /// OpenBLAS, loaded once per process on first use with its own threads off (mibatch's
    /// workers each run one product).
    private struct Library: @unchecked Sendable {
        let handle: UnsafeMutableRawPointer?
        let dgemm: mib_dgemm_fn?
    }
    private static let blas: Library = {
        let handle = mib_blas_open()
        return Library(handle: handle, dgemm: mib_blas_dgemm(handle))
    }()

    /// Whether OpenBLAS could be loaded (libopenblas.so.0; Debian's libopenblas0).
    public static var blasAvailable: Bool { blas.dgemm != nil }

    /// The BLAS library and the kernel it chose for this CPU (`OpenBLAS 0.3.21 … (Haswell)`),
    /// for provenance: products' last bits depend on the kernel.
    public static var blasDescription: String {
        let config = String(cString: mib_blas_text(blas.handle, "openblas_get_config")).trimmingCharacters(in: " ")
        return "\(config) (\(String(cString: mib_blas_text(blas.handle, "openblas_get_corename"))))"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
