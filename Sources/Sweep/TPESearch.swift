import TradingCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Tree-structured Parzen Estimator over the sweep's discrete axes (Bergstra et al., 2011).
///
/// Given the scored points so far, the best `⌈γ·n⌉` form the "good" set and the rest the "bad"
/// set. Per axis, each set gets a Parzen density over the axis's values: a prior weight of 1 on
/// every value plus, for each point of the set, a Gaussian kernel around its value's index
/// (bandwidth `max(1, K/10)` for ordered axes; an exact match for unordered ones). `candidates`
/// points are drawn from the good densities and the one with the highest `Σ log(l/g)` is
/// proposed; a batch repeats this, never proposing a point already scored or already in the
/// batch. Everything is drawn with `SplitMix64`, seeded from the config's seed and the number of
/// points scored so far, so the next batch depends on the history alone — not on the worker count.
public enum TPESearch {
    /// A point with its score (nil: failed, filtered out or undefined; ranks below every score).
    public struct Observation: Sendable, Hashable {
        public let point: [String: ParameterValue]
        public let score: Double?

        public init(point: [String: ParameterValue], score: Double?) {
            self.point = point
            self.score = score
        }
    }

    /// The next batch of at most `size` points.
    public static func propose(_ config: SweepConfig, history: [Observation], size: Int) -> [[String: ParameterValue]] {
        let search = config.search
        let seed = search.seed ^ (UInt64(history.count) &* 0xD1B5_4A32_D192_ED03)
        let scoredKeys = Set(history.map { SweepCell.pointKey($0.point) })
        if history.count < search.startup {
            return SweepSampler.random(config, count: size, seed: seed, excluded: scoredKeys)
        }
        // Best first; ties broken by the point's canonical text, so order never depends on input order.
        let ranked = history.sorted { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return SweepCell.pointKey(a.point) < SweepCell.pointKey(b.point)
            }
        }
        let goodCount = max(1, Int((search.gamma * Double(ranked.count)).rounded(.up)))
        let good = Array(ranked.prefix(goodCount))
        let bad = Array(ranked.dropFirst(goodCount))
        let axes = config.parameters
        let goodDensities = axes.map { density($0, good) }
        let badDensities = axes.map { density($0, bad) }

        var generator = SplitMix64(seed: seed)
        var excluded = scoredKeys
        var batch: [[String: ParameterValue]] = []
        while batch.count < size {
            var best: (indices: [Int], score: Double)?
            var draws = 0
            while draws < search.candidates * 10 && (best == nil || draws < search.candidates) {
                draws += 1
                let indices = goodDensities.map { sample($0, &generator) }
                let candidate = SweepSampler.point(config, indices)
                guard config.satisfiesConstraints(candidate), !excluded.contains(SweepCell.pointKey(candidate)) else { continue }
                var score = 0.0
                for axis in 0..<axes.count {
                    score += log(goodDensities[axis][indices[axis]]) - log(badDensities[axis][indices[axis]])
                }
                if best == nil || score > best!.score { best = (indices, score) }
            }
            let chosen: [String: ParameterValue]
            if let best {
                chosen = SweepSampler.point(config, best.indices)
            } else {
                // The model keeps proposing used or infeasible points: fall back to a random one.
                guard let fallback = SweepSampler.random(config, count: 1, seed: generator.next(), excluded: excluded).first else { break }
                chosen = fallback
            }
            excluded.insert(SweepCell.pointKey(chosen))
            batch.append(chosen)
        }
        return batch
    }

    /// Normalised Parzen density over an axis's value indices.
    static func density(_ axis: ParameterAxis, _ observations: [Observation]) -> [Double] {
        let count = axis.values.count
        var weights = Array(repeating: 1.0, count: count)
        let bandwidth = max(1.0, Double(count) / 10)
        for observation in observations {
            guard let value = observation.point[axis.name], let index = axis.values.firstIndex(of: value) else { continue }
            if axis.domain.isOrdered {
                for k in 0..<count {
                    let d = Double(k - index) / bandwidth
                    weights[k] += exp(-0.5 * d * d)
                }
            } else {
                weights[index] += 1
            }
        }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    static func sample(_ density: [Double], _ generator: inout SplitMix64) -> Int {
        var u = generator.unit()
        for (index, p) in density.enumerated() {
            u -= p
            if u < 0 { return index }
        }
        return density.count - 1
    }
}
