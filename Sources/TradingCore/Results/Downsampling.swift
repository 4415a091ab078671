/// Shape-preserving thinning of long series for display (equity curves in reports and responses).
public enum Downsampling {
    /// Largest-Triangle-Three-Buckets (Steinarsson 2013) on (index, value): the indices of
    /// `threshold` points that keep the curve's visual shape, peaks and troughs included.
    /// First and last points are always kept; a curve no longer than `threshold` is kept whole.
    public static func largestTriangleThreeBuckets(_ data: [Double], threshold: Int) -> [Int] {
        let count = data.count
        guard threshold >= 3, count > threshold else {
            if threshold <= 0 || count <= threshold { return Array(0..<count) }
            return threshold == 1 ? [count - 1] : [0, count - 1]
        }
        var sampled = [0]
        sampled.reserveCapacity(threshold)
        let bucketSize = Double(count - 2) / Double(threshold - 2)
        var a = 0
        for bucket in 0..<(threshold - 2) {
            // Average of the next bucket: the third corner of the triangle.
            let nextStart = Int(Double(bucket + 1) * bucketSize) + 1
            let nextEnd = min(Int(Double(bucket + 2) * bucketSize) + 1, count)
            var averageX = 0.0, averageY = 0.0
            let nextLength = max(nextEnd - nextStart, 1)
            var i = nextStart
            while i < nextEnd {
                averageX += Double(i)
                averageY += data[i]
                i += 1
            }
            if nextEnd > nextStart {
                averageX /= Double(nextLength)
                averageY /= Double(nextLength)
            } else {
                averageX = Double(count - 1)
                averageY = data[count - 1]
            }
            let start = Int(Double(bucket) * bucketSize) + 1
            let end = Int(Double(bucket + 1) * bucketSize) + 1
            let ax = Double(a), ay = data[a]
            var maxArea = -1.0
            var chosen = start
            var j = start
            while j < end {
                let area = abs((ax - averageX) * (data[j] - ay) - (ax - Double(j)) * (averageY - ay))
                if area > maxArea {
                    maxArea = area
                    chosen = j
                }
                j += 1
            }
            sampled.append(chosen)
            a = chosen
        }
        sampled.append(count - 1)
        return sampled
    }
}
