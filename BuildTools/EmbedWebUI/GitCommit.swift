import Foundation

/// Reads the commit id of `HEAD` straight from a `.git` folder (loose ref or packed-refs), so the
/// build does not need the git executable.
enum GitCommit {
    static func read(gitDirectory: URL) -> String? {
        guard let head = try? String(contentsOf: gitDirectory.appending(path: "HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        guard head.hasPrefix("ref: ") else { return isCommitId(head) ? head : nil }
        let refName = String(head.dropFirst(5))
        if let loose = try? String(contentsOf: gitDirectory.appending(path: refName), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), isCommitId(loose)
        {
            return loose
        }
        guard let packed = try? String(contentsOf: gitDirectory.appending(path: "packed-refs"), encoding: .utf8) else {
            return nil
        }
        for line in packed.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[1] == refName, isCommitId(String(parts[0])) { return String(parts[0]) }
        }
        return nil
    }

    private static func isCommitId(_ text: String) -> Bool {
        text.count >= 40 && text.allSatisfy { $0.isHexDigit }
    }
}
