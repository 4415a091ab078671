#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's `pow`, isolated so the rest of the module needs no platform import.
@inline(__always)
func power(_ base: Double, _ exponent: Double) -> Double {
    pow(base, exponent)
}
