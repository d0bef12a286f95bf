import Foundation
import PackagePlugin

/// Build-tool plugin of the `MIBatch` target: records `git describe --always --dirty` of
/// the package checkout in a generated Swift file (`enum BuildRevision`), so every output's
/// `source_revision` attribute and `mibatch --version` name the commit the binary was built
/// from.
///
/// A prebuild command (it must run on every build: whether the tree is dirty cannot be
/// declared as build inputs) that rewrites the generated file only when its text changes, so
/// a build with an unchanged revision recompiles nothing. A source tree that is not a git
/// checkout of this package (a release tarball, a Spack stage, a container build context
/// copied without `.git`) records `unversioned tarball build` — also when it happens to lie
/// inside some other repository (the checkout's top level must be the package folder).
///
/// - Complexity: one `git describe` per build (tens of milliseconds; it refreshes the index's
///   stat data, O(tracked files)).
@main
struct SourceRevisionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        return [.prebuildCommand(
            displayName: "Recording the source revision (git describe --always --dirty)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.script, "source-revision", context.package.directoryURL.path, output.path],
            outputFilesDirectory: output
        )]
    }

    /// `$1` the package folder, `$2` the folder of the generated file.
    static let script = #"""
        set -u
        package=$(cd "$1" && pwd -P)
        revision="unversioned tarball build"
        if command -v git >/dev/null 2>&1; then
            top=$(git -C "$package" rev-parse --show-toplevel 2>/dev/null || true)
            if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$package" ]; then
                revision=$(git -C "$package" describe --always --dirty 2>/dev/null | tr -cd 'A-Za-z0-9._+/-')
                [ -n "$revision" ] || revision="unversioned tarball build"
            fi
        elif [ -e "$package/.git" ]; then
            revision="unknown (git was not found at build time)"
        fi
        mkdir -p "$2"
        file="$2/GeneratedBuildRevision.swift"
        text="// Generated at build time by Sources/SourceRevisionPlugin; do not edit.
        enum BuildRevision {
            /// \`git describe --always --dirty\` of the package checkout this binary was built from.
            static let describe = \"$revision\"
        }"
        if [ ! -f "$file" ] || [ "$(cat "$file")" != "$text" ]; then
            printf '%s\n' "$text" > "$file.tmp" && mv "$file.tmp" "$file"
        fi
        """#
}
