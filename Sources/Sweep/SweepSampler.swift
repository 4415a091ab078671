import TradingCore

/// Parameter points: the grid, seeded random draws and a scrambled Halton sequence. A point is
/// every configured parameter with one value; axes are visited in name order, so a seed means
/// the same points everywhere.
public enum SweepSampler {
    /// Unconstrained grid sizes above this are refused before enumerating.
    public static let enumerationLimit = 10_000_000

    /// Number of points of the full grid (before constraints), saturating at `Int.max`.
    public static func gridSize(_ config: SweepConfig) -> Int {
        config.parameters.reduce(1) { size, axis in
            let (product, overflow) = size.multipliedReportingOverflow(by: axis.values.count)
            return overflow ? Int.max : product
        }
    }

    /// Every grid point that satisfies the constraints, in odometer order (last axis fastest).
    public static func grid(_ config: SweepConfig) throws(SweepError) -> [[String: ParameterValue]] {
        let size = gridSize(config)
        guard size <= enumerationLimit else {
            throw SweepError.config("parameters", "the grid has \(size == Int.max ? "more than 9e18" : String(size)) points before constraints, more than \(enumerationLimit) can be enumerated; narrow the ranges or use random, halton or tpe")
        }
        let axes = config.parameters
        var points: [[String: ParameterValue]] = []
        var indices = Array(repeating: 0, count: axes.count)
        for _ in 0..<size {
            var point: [String: ParameterValue] = [:]
            for (axis, index) in zip(axes, indices) { point[axis.name] = axis.values[index] }
            if config.satisfiesConstraints(point) { points.append(point) }
            var position = axes.count - 1
            while position >= 0 {
                indices[position] += 1
                if indices[position] < axes[position].values.count { break }
                indices[position] = 0
                position -= 1
            }
        }
        return points
    }

    /// The point at per-axis value indices.
    static func point(_ config: SweepConfig, _ indices: [Int]) -> [String: ParameterValue] {
        var point: [String: ParameterValue] = [:]
        for (axis, index) in zip(config.parameters, indices) { point[axis.name] = axis.values[index] }
        return point
    }

    /// Up to `count` distinct points that satisfy the constraints, drawn by `draw` (per-axis
    /// indices), skipping points in `excluded`. Stops after `count × 100 + 1000` draws, so a
    /// space with fewer feasible points ends early instead of spinning.
    static func distinct(_ config: SweepConfig, count: Int, excluded: Set<String> = [],
                         draw: (inout Int) -> [Int]) -> [[String: ParameterValue]] {
        var seen = excluded
        var points: [[String: ParameterValue]] = []
        var attempt = 0
        let limit = count * 100 + 1_000
        while points.count < count && attempt < limit {
            let candidate = point(config, draw(&attempt))
            attempt += 1
            guard config.satisfiesConstraints(candidate) else { continue }
            let key = SweepCell.pointKey(candidate)
            guard seen.insert(key).inserted else { continue }
            points.append(candidate)
        }
        return points
    }

    /// `count` distinct feasible points drawn uniformly per axis with `SplitMix64(seed)`.
    public static func random(_ config: SweepConfig, count: Int, seed: UInt64, excluded: Set<String> = []) -> [[String: ParameterValue]] {
        var generator = SplitMix64(seed: seed)
        return distinct(config, count: count, excluded: excluded) { _ in
            config.parameters.map { generator.index(below: $0.values.count) }
        }
    }

    /// `count` distinct feasible points of a Halton sequence (bases 2, 3, 5, … one per swept
    /// axis) whose digits are scrambled by a random permutation per axis drawn from the seed;
    /// the unit coordinate `u` picks value `⌊u · K⌋` of an axis with `K` values.
    public static func halton(_ config: SweepConfig, count: Int, seed: UInt64) -> [[String: ParameterValue]] {
        var generator = SplitMix64(seed: seed)
        let bases = primes(config.parameters.count)
        // Fisher–Yates per axis, with the fixed-algorithm generator.
        let permutations: [[Int]] = bases.map { base in
            var digits = Array(0..<base)
            for i in stride(from: base - 1, to: 0, by: -1) {
                digits.swapAt(i, generator.index(below: i + 1))
            }
            return digits
        }
        return distinct(config, count: count) { attempt in
            let n = attempt + 1
            return config.parameters.enumerated().map { axisIndex, axis in
                let u = scrambledRadicalInverse(n, base: bases[axisIndex], permutation: permutations[axisIndex])
                return min(axis.values.count - 1, Int(u * Double(axis.values.count)))
            }
        }
    }

    /// Σ σ(dₖ) · b^-(k+1) over the base-b digits dₖ of n (least significant first), 20 digits.
    static func scrambledRadicalInverse(_ n: Int, base: Int, permutation: [Int]) -> Double {
        var value = 0.0
        var factor = 1.0 / Double(base)
        var rest = n
        for _ in 0..<20 {
            value += Double(permutation[rest % base]) * factor
            rest /= base
            factor /= Double(base)
            if factor < 1e-17 { break }
        }
        return min(value, 1 - 1e-12)
    }

    static func primes(_ count: Int) -> [Int] {
        var found: [Int] = []
        var candidate = 2
        while found.count < count {
            if found.allSatisfy({ candidate % $0 != 0 }) { found.append(candidate) }
            candidate += 1
        }
        return found
    }
}
