#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import NIOCore
import Storage
import Synchronization

extension HTTPField.Name {
    /// Idempotent run starts (draft-ietf-httpapi-idempotency-key-header).
    static let idempotencyKey = Self("Idempotency-Key")!
    /// Set on an answer replayed for a known key.
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// `Idempotency-Key` on `POST /api/v1/run/backtest` and `POST /api/v1/run/live`.
///
/// - Same key and same body (compared as canonical JSON) within 24 h: the first answer again
///   (same run id, `Idempotent-Replayed: true`), nothing started.
/// - Same key, different body: 422 `IDEMPOTENCY_KEY_REUSED`.
/// - The same key while its first request is still being answered: 409 `IDEMPOTENCY_KEY_IN_USE`.
/// - A malformed key (not 1–255 printable ASCII characters): 400 `INVALID_IDEMPOTENCY_KEY`.
///
/// The key is stored durably (pending) before the run starts and completed with the answer; a
/// start that failed forgets its key, so the corrected request may reuse it. A pending key left by
/// a crash is resolved on retry: the run it had created is found and answered, or, when none was
/// created, the start runs now. Without the header a start behaves as before.
final class IdempotentStarts: Sendable {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    let store: IdempotencyStore
    /// Wall-clock milliseconds (the 24 h retention).
    let now: @Sendable () -> Int64
    private let inFlight = Mutex<Set<String>>([])

    init(store: IdempotencyStore, now: @escaping @Sendable () -> Int64 = IdempotentStarts.wallClockMilliseconds) {
        self.store = store
        self.now = now
    }

    static func wallClockMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// `handler` behind the key rules. `modes` are the run modes the route can create (crash recovery).
    func wrap(route: String, modes: [String], _ handler: @escaping Handler) -> Handler {
        { request, context in
            try await self.handle(request, context: context, route: route, modes: modes, handler: handler)
        }
    }

    private func handle(
        _ request: Request, context: AppRequestContext, route: String, modes: [String], handler: Handler
    ) async throws -> Response {
        let values = request.headers[values: .idempotencyKey]
        guard !values.isEmpty else { return try await handler(request, context) }
        guard values.count == 1, let key = values.first, Self.isValidKey(key) else {
            throw APIError(
                status: .badRequest, code: "INVALID_IDEMPOTENCY_KEY",
                message: "Idempotency-Key must be one value of 1 to 255 printable ASCII characters",
                details: ["header": "Idempotency-Key"])
        }
        // The body is read here (for its hash) and handed on to the route as bytes.
        var request = request
        var original = request.body
        let body: ByteBuffer
        do {
            body = try await original.collect(upTo: APILimits.maximumJSONBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: APILimits.maximumJSONBodyBytes)
        }
        request.body = RequestBody(buffer: body)
        let hash = Self.canonicalHash(body)

        let slot = route + "\n" + key
        guard inFlight.withLock({ $0.insert(slot).inserted }) else {
            throw APIError(
                status: .conflict, code: "IDEMPOTENCY_KEY_IN_USE",
                message: "a request with this Idempotency-Key is still being answered; retry shortly",
                details: ["idempotency_key": .string(key)])
        }
        defer { _ = inFlight.withLock { $0.remove(slot) } }

        switch try await store.reserve(route: route, key: key, bodySHA256: hash, now: now()) {
        case .existing(let record):
            guard record.bodySHA256 == hash else {
                throw APIError(
                    status: .unprocessableContent, code: "IDEMPOTENCY_KEY_REUSED",
                    message: "this Idempotency-Key was used with a different request body; use a new key for a new request",
                    details: ["idempotency_key": .string(key)])
            }
            if record.status != 0, let stored = record.response {
                return Self.replay(status: record.status, body: stored)
            }
            // Pending and not in progress here: the process that took the key died.
            if let run = try await store.firstRun(after: record.runsWatermark, modes: modes) {
                let answer = try JSONCoding.encode(
                    RunResponse(run_id: run.id, status: run.status, message: "run started by an earlier request with this Idempotency-Key"))
                let text = String(buffer: answer)
                try await store.complete(route: route, key: key, status: 200, response: text, runID: run.id)
                return Self.replay(status: 200, body: text)
            }
            try await store.release(route: route, key: key)
            _ = try await store.reserve(route: route, key: key, bodySHA256: hash, now: now())
        case .reserved:
            break
        }

        let response: Response
        do {
            response = try await handler(request, context)
        } catch {
            try? await store.release(route: route, key: key)
            throw error
        }
        guard (200..<300).contains(response.status.code) else {
            try? await store.release(route: route, key: key)
            return response
        }
        let (bytes, rebuilt) = try await Self.collect(response)
        let text = String(buffer: bytes)
        let runID = (try? JSONDecoder().decode(RunIDOnly.self, from: Data(bytes.readableBytesView)))?.run_id
        try await store.complete(route: route, key: key, status: Int(response.status.code), response: text, runID: runID)
        return rebuilt
    }

    private struct RunIDOnly: Decodable {
        let run_id: String?
    }

    /// 1–255 characters, each printable ASCII (space to `~`), not starting or ending with a space.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...255).contains(bytes.count), bytes.first != 0x20, bytes.last != 0x20 else { return false }
        return bytes.allSatisfy { (0x20...0x7e).contains($0) }
    }

    /// SHA-256 of the body as canonical JSON (sorted keys, no insignificant space), so a retry
    /// that only re-serialises the same request still matches; raw bytes when it is not JSON.
    static func canonicalHash(_ body: ByteBuffer) -> String {
        let bytes = Array(body.readableBytesView)
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let canonical = try? JSONCoding.encode(value) {
            return SHA256Digest.hex(Array(canonical.readableBytesView))
        }
        return SHA256Digest.hex(bytes)
    }

    static func replay(status: Int, body: String) -> Response {
        let buffer = ByteBuffer(string: body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = String(buffer.readableBytes)
        headers[.idempotentReplayed] = "true"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: buffer))
    }

    /// The response's body bytes, and the same response rebuilt around them.
    static func collect(_ response: Response) async throws -> (ByteBuffer, Response) {
        let sink = Sink()
        try await response.body.write(CollectingWriter(sink: sink))
        let bytes = sink.buffer.withLock { $0 }
        return (bytes, Response(status: response.status, headers: response.headers, body: .init(byteBuffer: bytes)))
    }

    final class Sink: Sendable {
        let buffer = Mutex(ByteBuffer())
    }

    struct CollectingWriter: ResponseBodyWriter {
        let sink: Sink

        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            sink.buffer.withLock { $0.writeBuffer(&buffer) }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
