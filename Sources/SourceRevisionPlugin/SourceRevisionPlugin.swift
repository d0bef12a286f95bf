import Foundation
import PackagePlugin

/// Build-tool plugin of the `MIBatch` target: records `git describe --always --dirty` of
/// the package checkout in a generated Swift file (`enum BuildRevision`), so every output's
/// `source_revision` attribute and `mibatch --version` name the commit the binary was built
/// from.
///
/// A build command (not a prebuild command: SwiftPM skips those on incremental builds,
/// swift-package-manager#5476) whose inputs are git's HEAD, index, reflog and current ref and
/// every file of the package outside `.build*` and `.git`: it reruns after a commit,
/// checkout or edit, and otherwise not at all. It rewrites the generated file only when its
/// text changes, so a rerun with an unchanged revision recompiles nothing. A source tree that
/// is not a git checkout of this package (a release tarball, a Spack stage without `.git`, a
/// container build context) records `unversioned tarball build`, also when it lies inside
/// some other repository (the checkout's top level must be the package folder); a `.git`
/// that git cannot read (another user's checkout, a worktree's pointer file copied alone)
/// records `unknown (...)` saying so.
///
/// Developers: SwiftPM caches the plugin's command list; after editing this file, touch
/// Package.swift so the next build uses it.
///
/// - Complexity: the input list is O(files of the package); a rerun is one `git describe`
///   (tens of milliseconds: it refreshes the index's stat data, O(tracked files)).
@main
struct SourceRevisionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedBuildRevision.swift")
        return [.buildCommand(
            displayName: "Recording the source revision (git describe --always --dirty)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.script, "source-revision", package.path, output.path],
            inputFiles: Self.gitFiles(package) + Self.packageFiles(package),
            outputFiles: [output]
        )]
    }

    /// The files of git's state that change on commit, checkout, reset and `git add`: HEAD,
    /// index, logs/HEAD, the current branch's ref and packed-refs (a worktree's `.git` file
    /// points to its own HEAD and index; its refs are in the common folder).
    static func gitFiles(_ package: URL) -> [URL] {
        let manager = FileManager.default
        var gitDirectory = package.appendingPathComponent(".git")
        if let pointer = try? String(contentsOf: gitDirectory, encoding: .utf8), pointer.hasPrefix("gitdir: ") {
            let path = pointer.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDirectory = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appendingPathComponent(path)
        }
        var common = gitDirectory
        if let relative = try? String(contentsOf: gitDirectory.appendingPathComponent("commondir"), encoding: .utf8) {
            let path = relative.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDirectory.appendingPathComponent(path).standardizedFileURL
        }
        var files = ["HEAD", "index", "logs/HEAD"].map { gitDirectory.appendingPathComponent($0) }
        files.append(common.appendingPathComponent("packed-refs"))
        if let head = try? String(contentsOf: gitDirectory.appendingPathComponent("HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            files.append(common.appendingPathComponent(head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return files.filter { manager.fileExists(atPath: $0.path) }
    }

    /// Every regular file under `package` outside `.git` and build folders (`.build*`), in
    /// path order: an edit to any of them makes the command rerun (`-dirty`).
    static func packageFiles(_ package: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: package, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey]) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
            if values?.isDirectory == true {
                let name = url.lastPathComponent
                if name == ".git" || name.hasPrefix(".build") || name == "__pycache__" { walker.skipDescendants() }
            } else if values?.isRegularFile == true {
                files.append(url)
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// `$1` the package folder, `$2` the generated file.
    static let script = #"""
        set -u
        package=$(cd "$1" && pwd -P)
        revision="unversioned tarball build"
        if command -v git >/dev/null 2>&1; then
            top=$(git -C "$package" rev-parse --show-toplevel 2>/dev/null || true)
            if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$package" ]; then
                revision=$(git -C "$package" describe --always --dirty 2>/dev/null | tr -cd 'A-Za-z0-9._+/-')
                [ -n "$revision" ] || revision="unknown (git describe failed at build time)"
            elif [ -z "$top" ] && [ -e "$package/.git" ]; then
                # A .git git cannot use: another user's checkout (safe.directory), a worktree
                # pointer copied without its repository.
                revision="unknown (git could not read the checkout's .git at build time)"
            fi
        elif [ -e "$package/.git" ]; then
            revision="unknown (git was not found at build time)"
        fi
        file="$2"
        mkdir -p "$(dirname "$file")"
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
