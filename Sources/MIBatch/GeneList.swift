import Foundation

/// The `--genes FILE|LIST` argument resolved to names.
public enum GeneList {
    /// The names in `argument`: when it names a readable file, one name per line (blank
    /// lines and lines starting with `#` skipped, surrounding white space trimmed);
    /// otherwise a comma-separated list. Order is kept, duplicates dropped.
    ///
    /// - Throws: `.invalidOption` when the list is empty, or the argument names a directory
    ///   or an unreadable file.
    public static func resolve(_ argument: String) throws(MIBatchError) -> [String] {
        var isDirectory: ObjCBool = false
        let names: [String]
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw .invalidOption("--genes \(argument): is a directory; give a file with one name per line or a comma-separated list") }
            guard let data = FileManager.default.contents(atPath: argument) else {
                throw .invalidOption("--genes \(argument): the file cannot be read")
            }
            names = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        } else {
            names = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var seen = Set<String>()
        let unique = names.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { throw .invalidOption("--genes \(argument): no names (give a file with one name per line or a comma-separated list)") }
        return unique
    }
}
