#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DataAccess
import Execution
import HTTPTypes
import Logging
import Storage
import TradingCore

/// An interrupted sandbox or live run whose open orders wait for the user's decision (`/status`
/// `interrupted_runs`).
struct InterruptedRunSummary: Encodable, Sendable, Hashable {
    let run_id: String
    let mode: String
    let exchange: String
    let reconciliation_status: String
    let open_orders: Int
}

/// Start-up reconciliation of interrupted venue runs, and the user's cancel-or-keep decision.
extension RunController {
    var reconciler: RunReconciler {
        RunReconciler(
            database: database, httpClient: resolver.httpClient, environment: options.environment, now: options.now,
            requestTimeoutSeconds: options.venueRequestTimeoutSeconds, logger: logger)
    }

    /// Loads the runs still waiting for a decision, then reconciles the sandbox and live runs
    /// among `interrupted` (just marked failed/interrupted) with their venues, in the background.
    /// Returns the task (tests await it).
    @discardableResult
    func reconcileInterruptedRuns(_ interrupted: [String]) -> Task<Void, Never> {
        Task { [self] in
            if let stored = try? await database.runs.reconciliations() {
                for (runID, json) in stored {
                    guard let document = RunReconciler.load(json), document.needsDecision,
                          let record = try? await database.runs.run(id: runID) else { continue }
                    setInterrupted(Self.summary(runID: runID, mode: record.mode, document))
                }
            }
            for runID in interrupted {
                guard let record = try? await database.runs.run(id: runID),
                      record.mode == RunMode.sandbox.rawValue || record.mode == RunMode.live.rawValue else { continue }
                guard let document = await reconciler.reconcile(runID: runID, configJSON: record.configJSON) else { continue }
                logger.warning("interrupted \(record.mode) run reconciled", metadata: [
                    "run_id": "\(runID)", "status": "\(document.status)", "open_orders": "\(document.open_orders.count)",
                    "fills_recorded": "\(document.fills_recorded)",
                ])
                setInterrupted(document.needsDecision ? Self.summary(runID: runID, mode: record.mode, document) : nil, runID: runID)
            }
        }
    }

    static func summary(runID: String, mode: String, _ document: ReconciliationDocument) -> InterruptedRunSummary {
        InterruptedRunSummary(
            run_id: runID, mode: mode, exchange: document.exchange, reconciliation_status: document.status,
            open_orders: document.open_orders.count)
    }

    /// The user's decision on an interrupted run's open orders: `cancel` them on the venue (keys
    /// from `exchangeConfig` or the environment) or `keep` them. Answers the updated document.
    func decideOpenOrders(runID: String, cancel: Bool, exchangeConfig: JSONValue?) async throws(APIError) -> ReconciliationDocument {
        let record: RunRecord?
        let stored: String?
        do {
            record = try await database.runs.run(id: runID)
            stored = try await database.runs.reconciliation(runID: runID)
        } catch {
            throw APIError(status: .serviceUnavailable, code: "STORAGE_ERROR", message: "the run could not be read from the database")
        }
        guard let record else { throw RunRoutes.runNotFound(runID) }
        guard let stored, var document = RunReconciler.load(stored) else {
            throw APIError(
                status: .conflict, code: "NOT_INTERRUPTED",
                message: "run \(runID) has no interrupted open orders (only sandbox and live runs interrupted by a crash do)",
                details: ["run_id": .string(runID)])
        }
        guard document.decision == nil else {
            throw APIError(
                status: .conflict, code: "DECISION_MADE",
                message: "the open orders of run \(runID) were already \(document.decision ?? "")",
                details: ["run_id": .string(runID), "decision": .string(document.decision ?? "")])
        }
        guard !document.open_orders.isEmpty else {
            throw APIError(status: .conflict, code: "NO_OPEN_ORDERS", message: "run \(runID) has no open orders left", details: ["run_id": .string(runID)])
        }
        let decidedAt = ISO8601Timestamp.string(fromMilliseconds: options.now())
        guard cancel else {
            document.decision = "kept"
            document.decided_at = decidedAt
            document.message = "\(document.open_orders.count) order(s) left working on \(document.exchange); Cracktrader no longer tracks them"
            await reconciler.save(document, runID: runID)
            setInterrupted(nil, runID: runID)
            return document
        }
        guard let target = RunReconciler.target(configJSON: record.configJSON) else {
            throw APIError(status: .unprocessableContent, code: "VALIDATION_ERROR", message: "the run's stored config names no venue")
        }
        var fieldErrors: [(String, String)] = []
        let config = ExchangeConfig.parse(exchangeConfig, exchange: target.exchange, environment: options.environment, fieldErrors: &fieldErrors)
        if !fieldErrors.isEmpty {
            throw APIError(
                status: .badRequest, code: "VALIDATION_ERROR", message: "invalid exchange_config",
                details: ["fields": .object(Dictionary(fieldErrors.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { a, _ in a })),
                          "accepted_exchange_config_keys": .array(ExchangeConfig.acceptedKeys.map(JSONValue.string))])
        }
        let credentials = VenueCredentials(apiKey: config.credentials.apiKey, secret: config.credentials.secret, password: config.credentials.password)
        guard !credentials.presentFields.isEmpty, let adapter = reconciler.adapter(for: target, credentials: credentials) else {
            let names = ExchangeCredentials.environmentNames(exchange: target.exchange)
            throw APIError(
                status: .unprocessableContent, code: "CREDENTIALS_REQUIRED",
                message: "cancelling on \(target.exchange) needs its API keys: give exchange_config.apiKey/secret or set \(names.apiKey) and \(names.secret)",
                details: ["environment_variables": [.string(names.apiKey), .string(names.secret), .string(names.password)]])
        }
        defer { Task { await adapter.shutdown() } }
        var cancelled: [String] = []
        var failures: [String: String] = [:]
        var remaining: [OrderRecord] = []
        var changed: [OrderRecord] = []
        var newFills: [FillRecord] = []
        let fillCount = (try? await database.runs.activity(id: runID).fillsJSON.count) ?? 0
        var unreachable = 0
        for order in document.open_orders {
            guard let clientOrderId = order.clientOrderId, let symbol = try? TradingSymbol(parsing: order.symbol) else { continue }
            let final: VenueOrder?
            do {
                final = try await adapter.cancel(symbol: symbol, clientOrderId: clientOrderId)
            } catch {
                if error.kind == .unreachable || error.kind == .outcomeUnknown { unreachable += 1 }
                failures[clientOrderId] = error.message
                final = try? await adapter.order(symbol: symbol, clientOrderId: clientOrderId)
            }
            guard let final else {
                remaining.append(order)
                continue
            }
            let (updated, fill) = RunReconciler.apply(final, to: order, nextFillID: fillCount + newFills.count + 1)
            if let fill { newFills.append(fill) }
            if updated != order { changed.append(updated) }
            if final.status == .cancelled || final.status == .expired {
                cancelled.append(clientOrderId)
                failures[clientOrderId] = nil
            } else if !final.status.isTerminal {
                remaining.append(updated)
            } else {
                failures[clientOrderId] = nil
            }
        }
        if !changed.isEmpty || !newFills.isEmpty {
            let batch = RunActivityBatch(
                orders: changed.map { SequencedJSON(seq: $0.id - 1, json: Self.row($0)) },
                fills: newFills.map { SequencedJSON(seq: $0.id - 1, json: Self.row($0)) })
            do { try await database.runs.record(runID: runID, batch, durable: true) } catch {
                throw APIError.storageFailure(error, message: "the venue's answers could not be stored")
            }
        }
        if remaining.count == document.open_orders.count, unreachable == remaining.count {
            throw APIError(
                status: .serviceUnavailable, code: "EXCHANGE_UNREACHABLE",
                message: "\(target.exchange) cannot be reached; nothing was cancelled", details: ["exchange": .string(target.exchange)])
        }
        document.open_orders = remaining
        document.cancelled_orders = cancelled
        document.cancel_failures = failures.isEmpty ? nil : failures
        document.fills_recorded += newFills.count
        if remaining.isEmpty {
            document.decision = "cancelled"
            document.decided_at = decidedAt
            document.message = "\(cancelled.count) order(s) cancelled on \(target.exchange)"
        } else {
            document.message = "\(cancelled.count) order(s) cancelled; \(remaining.count) could not be (see cancel_failures); try again"
        }
        await reconciler.save(document, runID: runID)
        setInterrupted(document.needsDecision ? Self.summary(runID: runID, mode: record.mode, document) : nil, runID: runID)
        return document
    }
}
