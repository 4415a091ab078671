/// Content negotiation for `Accept-Encoding` (RFC 9110 §12.5.3), reduced to the one question the
/// asset server asks: may the gzip bytes be sent as they are?
enum AcceptEncoding {
    /// True when gzip has a q-value above zero, explicitly or through `*`. An explicit `gzip;q=0`
    /// wins over `*`. Malformed q-values count as 0 (refuse) rather than guessing.
    static func allowsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var gzipQuality: Double?
        var wildcardQuality: Double?
        for item in header.split(separator: ",") {
            let parameters = item.split(separator: ";").map { $0.trimmingSpaces() }
            guard let coding = parameters.first?.lowercased(), !coding.isEmpty else { continue }
            var quality = 1.0
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                if pair.count == 2, pair[0].lowercased() == "q" {
                    quality = Double(pair[1]).flatMap { (0...1).contains($0) ? $0 : nil } ?? 0
                }
            }
            switch coding {
            case "gzip", "x-gzip": gzipQuality = max(gzipQuality ?? 0, quality)
            case "*": wildcardQuality = quality
            default: break
            }
        }
        if let gzipQuality { return gzipQuality > 0 }
        return (wildcardQuality ?? 0) > 0
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
