#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum JSONDecoderShim {
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
