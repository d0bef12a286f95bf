/// One variable of the data set: `count` samples of a `dimension`-dimensional vector.
///
/// Storage is row-major: the value of dimension `j` of sample `i` is
/// `values[i * dimension + j]`. Values are in whatever units the caller's data has; the
/// estimators never assume a scale (see ``Normalization``).
///
/// - Invariant: `dimension >= 1`, `count >= 0`, `values.count == count * dimension`
///   (checked by the initializer; the stored properties are `var` for convenience, and
///   every consumer re-checks the shape before use).
public struct VariableData: Sendable, Equatable {
    /// Number of samples n.
    public var count: Int
    /// Number of dimensions d (≥ 1) of one sample.
    public var dimension: Int
    /// The n·d values, row-major (`values[i * dimension + j]`).
    public var values: [Double]

    /// Creates a variable from row-major values.
    ///
    /// - Precondition: `dimension >= 1`, `count >= 0` and `values.count == count * dimension`.
    /// - Complexity: O(1) (the array is not copied).
    public init(count: Int, dimension: Int, values: [Double]) {
        precondition(dimension >= 1, "VariableData: dimension must be >= 1 (got \(dimension))")
        precondition(count >= 0, "VariableData: count must be >= 0 (got \(count))")
        precondition(
            values.count == count * dimension,
            "VariableData: values.count (\(values.count)) != count (\(count)) * dimension (\(dimension))")
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// Creates a one-dimensional variable (d = 1) from a column of n values.
    ///
    /// - Complexity: O(1).
    public init(column: [Double]) {
        self.init(count: column.count, dimension: 1, values: column)
    }

    /// Creates a variable from separate columns of equal length (d = `columns.count`).
    ///
    /// - Precondition: at least one column, all columns of equal length.
    /// - Complexity: O(n·d).
    public init(columns: [[Double]]) {
        precondition(!columns.isEmpty, "VariableData: need at least one column")
        let n = columns[0].count
        precondition(columns.allSatisfy { $0.count == n }, "VariableData: columns differ in length")
        let d = columns.count
        var v = [Double](repeating: 0, count: n * d)
        for j in 0..<d {
            for i in 0..<n { v[i * d + j] = columns[j][i] }
        }
        self.init(count: n, dimension: d, values: v)
    }

    /// The value of dimension `j` of sample `i`.
    ///
    /// - Complexity: O(1).
    @inlinable
    public subscript(sample i: Int, dimension j: Int) -> Double {
        values[i * dimension + j]
    }

    /// Dimension `j` of every sample, in sample order (a copy).
    ///
    /// - Complexity: O(n).
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < dimension, "VariableData: column \(j) out of 0..<\(dimension)")
        return (0..<count).map { values[$0 * dimension + j] }
    }

    /// True when every value is finite (no NaN, no ±∞).
    ///
    /// - Complexity: O(n·d).
    public var isFinite: Bool {
        values.allSatisfy { $0.isFinite }
    }

}
