/// An input source that can stream through a column scratch (``ScratchPlan``): the one
/// streamed transposition of row-major inputs. Not format-specific; any source whose
/// `load` would otherwise re-read much more than it returns (row-chunked dense data, CSR
/// and 10x matrices) should conform.
///
/// **Contract.** The engine calls ``streamThroughScratch(_:)`` once, on its I/O queue,
/// before ``InputSource/scan(retaining:bandBytes:)``, when the plan chose a scratch
/// (``ExecutionPlan/scratch``). The source then creates a ``ColumnScratch`` of
/// `plan.variables` (in memory, or a file at `plan.path`, created or truncated: a file left
/// by a killed run is never read), writes every band the scan reads into it, and answers
/// every later ``InputSource/load(_:bandBytes:)`` of those variables from it, with the
/// same values the input holds (bit for bit). ``InputSource/removeScratch()`` deletes it;
/// the engine calls it when its run ends (finished, interrupted or failed) and `Job` again
/// after the output is written. A scratch is never reused by a later run: the scan that
/// must digest the input anyway rebuilds it.
///
/// A source that does not conform is simply streamed from its input (the plan's memory
/// estimate then counts a scratch that is not made).
protocol ColumnScratchSource: InputSource {
    /// Prepares the scratch of `plan`, to be filled by the next scan.
    ///
    /// - Throws: `.writeFailed` naming `plan.path` when the file cannot be created or sized.
    func streamThroughScratch(_ plan: ScratchPlan) throws(MIBatchError)
}
