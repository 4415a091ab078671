/// Renders a progress line such as `[#####.....] 52% 5200/10000 bars ETA 12s`.
///
/// Pure: the CLI prints the result after `\r` and pads or clears the rest of the line itself.
public enum TerminalProgressBar {
    public static func render(_ progress: DownloadProgress, width: Int = 10) -> String {
        let width = max(1, width)
        let fraction = progress.fraction.isFinite ? min(1, max(0, progress.fraction)) : 0
        let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
        let percent = Int((fraction * 100).rounded(.down))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += " \(percent)% \(progress.fetchedBars)/\(progress.expectedBars) bars"
        if let eta = progress.etaSeconds, eta.isFinite, eta >= 0, !progress.isComplete {
            line += " ETA " + formatDuration(eta)
        }
        return line
    }

    /// `12s`, `3m05s`, `2h07m`.
    public static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3600 {
            let s = total % 60
            return "\(total / 60)m" + (s < 10 ? "0\(s)s" : "\(s)s")
        }
        let m = total / 60 % 60
        return "\(total / 3600)h" + (m < 10 ? "0\(m)m" : "\(m)m")
    }
}
