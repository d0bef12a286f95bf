import Foundation

// mibatch's JSON, one way for each job:
// - stored JSON (the `configuration`, result-key and `shards` attributes, the checkpoint
//   header) is Foundation's `JSONEncoder` with sorted keys: ``JSONValue/sortedKeysJSON(_:)``
//   (`RunConfiguration.json` encodes the same way);
// - reading JSON back is Foundation's decoder: typed through `Codable` (the checkpoint
//   header), untyped through ``JSONValue/parse(_:)``;
// - JSON shown to people (`mibatch inspect --json`) is ``JSONValue/rendered(compact:)``.
// `JSONEncoder` output is kept for stored JSON because its bytes are in files users already
// have (it escapes `/` as `\/`, which ``JSONValue`` rendering does not), and result keys and
// digests compare those bytes.

/// A JSON value rendered deterministically: object keys sorted by their UTF-8 bytes, numbers
/// in Swift's shortest round-trip form, two-space indentation. What `mibatch inspect --json`
/// prints, so equal inputs give byte-identical text (no `Dictionary` order leaks).
public indirect enum JSONValue: Equatable, Sendable, Decodable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// An integer (also the seed, which may exceed `Int.max`, as its bit pattern's value).
    case int(Int)
    /// An unsigned integer above `Int.max`.
    case uint(UInt64)
    /// A floating-point number; NaN and infinities render as `null` (JSON has neither).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; rendering sorts its keys.
    case object([String: JSONValue])

    /// Parses JSON text (the `configuration` and `shards` attributes); `nil` if malformed.
    public static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Decodes any JSON value, preferring bool, then integer, then floating point.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(UInt64.self) { self = .uint(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// `value` as compact JSON with keys sorted, the bytes of `JSONEncoder` with
    /// `.sortedKeys` (empty if the value cannot be encoded, which plain records never are).
    static func sortedKeysJSON(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)) ?? Data()
    }

    /// A member of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    /// The rendered text (pretty-printed unless `compact`), without a trailing newline.
    public func rendered(compact: Bool = false) -> String {
        var output = ""
        render(into: &output, indent: compact ? nil : 0)
        return output
    }

    private func render(into output: inout String, indent: Int?) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .int(value): output += String(value)
        case let .uint(value): output += String(value)
        case let .double(value):
            if !value.isFinite { output += "null" }
            else if value == value.rounded(), abs(value) < 1e15 { output += String(format: "%.1f", value) }
            else { output += "\(value)" }
        case let .string(value): output += Self.quoted(value)
        case let .array(values):
            renderContainer(into: &output, indent: indent, open: "[", close: "]", count: values.count) { index, output, inner in
                values[index].render(into: &output, indent: inner)
            }
        case let .object(members):
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            renderContainer(into: &output, indent: indent, open: "{", close: "}", count: keys.count) { index, output, inner in
                output += Self.quoted(keys[index]) + (inner == nil ? ":" : ": ")
                members[keys[index]]!.render(into: &output, indent: inner)
            }
        }
    }

    private func renderContainer(into output: inout String, indent: Int?, open: String, close: String, count: Int,
                                 element: (Int, inout String, Int?) -> Void) {
        output += open
        guard count > 0 else { output += close; return }
        let inner = indent.map { $0 + 2 }
        for index in 0..<count {
            if index > 0 { output += "," }
            if let inner { output += "\n" + String(repeating: " ", count: inner) }
            element(index, &output, inner)
        }
        if let indent { output += "\n" + String(repeating: " ", count: indent) }
        output += close
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
