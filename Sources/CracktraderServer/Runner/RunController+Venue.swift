import DataAccess
import Execution
import HTTPTypes
import Logging
import TradingCore

/// Sandbox and live runs: reaching the venue before the run starts, its balances while it runs,
/// and what stopping cancelled.
extension RunController {
    /// Builds the run's venue adapter and prepares it (clock, symbol rules, a signed call) within
    /// `prepareTimeout`, so a venue that cannot be reached or refuses the keys fails the start
    /// request at once: 503 `EXCHANGE_UNREACHABLE`, 401 `EXCHANGE_AUTH_FAILED`. Nil for runs that do
    /// not trade on a venue.
    func prepareVenue(plan: RunPlan) async throws(APIError) -> (any VenueAdapter)? {
        guard plan.mode.tradesOnVenue, let settings = plan.venue else { return nil }
        guard let httpClient = resolver.httpClient,
              let adapter = VenueCatalog.adapter(exchange: plan.exchange, configuration: settings.configuration, httpClient: httpClient)
        else {
            throw APIError(
                status: .unprocessableContent, code: "NOT_IMPLEMENTED",
                message: "\(plan.exchange) has no venue adapter in this build; use mode \"paper\"",
                details: ["exchange": .string(plan.exchange)])
        }
        let symbols = plan.configuration.symbols
        let outcome: Result<Void, ExecutionError> = await withTaskGroup(of: Result<Void, ExecutionError>?.self) { group in
            group.addTask {
                do throws(ExecutionError) {
                    try await adapter.prepare(symbols: symbols)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: Self.prepareTimeout)
                return Task.isCancelled ? nil : .failure(ExecutionError(.unreachable, "\(plan.exchange): no answer within \(Self.prepareTimeout)"))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(ExecutionError(.unreachable, "\(plan.exchange): no answer"))
        }
        if case .failure(let error) = outcome {
            await adapter.shutdown()
            throw Self.apiError(error, exchange: plan.exchange)
        }
        return adapter
    }

    /// How long reaching the venue at start may take in all.
    static let prepareTimeout: Duration = .seconds(20)

    /// The venue's refusal as the API's error (messages come from the adapter and never hold keys).
    static func apiError(_ error: ExecutionError, exchange: String) -> APIError {
        switch error.kind {
        case .authenticationFailed:
            APIError(
                status: .unauthorized, code: "EXCHANGE_AUTH_FAILED",
                message: "\(exchange) refused the API keys: \(error.message). Check the key, its permissions (read + spot trade) and that it belongs to the \(exchange) environment asked for (testnet keys for sandbox)",
                details: ["exchange": .string(exchange)])
        case .rejected, .unknownOrder:
            APIError(
                status: .unprocessableContent, code: "EXCHANGE_REJECTED", message: error.message,
                details: ["exchange": .string(exchange)])
        case .rateLimited:
            APIError(
                status: .serviceUnavailable, code: "EXCHANGE_RATE_LIMITED", message: error.message,
                details: ["exchange": .string(exchange), "retry_after_seconds": error.retryAfter.map(JSONValue.number) ?? .null])
        case .unreachable, .outcomeUnknown:
            APIError(
                status: .serviceUnavailable, code: "EXCHANGE_UNREACHABLE",
                message: "\(exchange) cannot be reached: \(error.message)", details: ["exchange": .string(exchange)])
        }
    }

    /// Fetches the venue's balances (and the run's open orders there) off the run's path, keeps
    /// them for `/status/detailed`, and publishes a `balances` message.
    func publishVenueSnapshot(id: String, adapter: any VenueAdapter) {
        Task { [self] in
            guard let balances = try? await adapter.balances() else { return }
            let records = balances.filter { $0.free != 0 || $0.locked != 0 }.sorted { $0.asset < $1.asset }
                .map { BalanceRecord(asset: $0.asset, free: $0.free, locked: $0.locked) }
            let updated = updateRun(id: id) { $0.balances = records }
            if updated { hub.publish(type: "balances", payload: BalancesPayload(run_id: id, balances: records)) }
        }
    }

    /// Keeps what stopping cancelled, for the `POST /run/stop` answer.
    func reportStopCancellations(id: String, cancelled: [String], failures: [String: String]) {
        _ = updateRun(id: id) { $0.stopCancellation = StopCancellation(cancelled: cancelled, failures: failures) }
    }

    struct BalancesPayload: Encodable, Sendable {
        let run_id: String
        let balances: [BalanceRecord]
    }
}

/// One asset's balance on the venue, as `/status/detailed` and the `balances` message show it.
struct BalanceRecord: Codable, Sendable, Hashable {
    let asset: String
    let free: Double
    let locked: Double
}

/// What `POST /run/stop` cancelled on the venue.
struct StopCancellation: Sendable, Hashable {
    var cancelled: [String]
    var failures: [String: String]
}
