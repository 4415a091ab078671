#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Execution
import Logging
import NIOCore
import Storage
import TradingCore

/// What start-up learned about an interrupted sandbox or live run, and what the user decided
/// about its open orders. Stored per run (`run_reconciliations`) and shown in
/// `GET /api/v1/runs/{id}` (`reconciliation`) and `/status` (`interrupted_runs`).
struct ReconciliationDocument: Codable, Sendable, Hashable {
    /// `reconciled` (the venue answered for every open order), `credentials_required` (no keys in
    /// the environment to ask with), `unreachable` (the venue did not answer), `failed`.
    var status: String
    var message: String
    var checked_at: String
    var exchange: String
    var sandbox: Bool
    /// Orders still working on the venue (their state as the venue reported it), or — when the
    /// venue could not be asked — every order the journal had open.
    var open_orders: [OrderRecord]
    /// Fills that happened while the process was down, recorded by this reconciliation.
    var fills_recorded: Int
    /// `cancelled` or `kept` once the user chose; nil while waiting.
    var decision: String?
    var decided_at: String?
    var cancelled_orders: [String]?
    var cancel_failures: [String: String]?

    /// Waiting for the user: open orders and no decision yet.
    var needsDecision: Bool { decision == nil && !open_orders.isEmpty }
}

/// Reconciles interrupted sandbox and live runs with their venue by client order id: fills that
/// happened while the process was down are recorded, each order's state is brought up to date,
/// and the orders still open are listed for the user to cancel or keep. Never resumes a run.
struct RunReconciler: Sendable {
    let database: Database
    let httpClient: HTTPClient?
    let environment: @Sendable (String) -> String?
    let now: @Sendable () -> Int64
    let requestTimeoutSeconds: Double
    let logger: Logger

    /// What the run's stored config says about its venue (never a secret: those are masked).
    struct VenueTarget {
        var exchange: String
        var sandbox: Bool
        var baseURL: String?
        var symbols: [TradingSymbol]
    }

    static func target(configJSON: String) -> VenueTarget? {
        guard let data = configJSON.data(using: .utf8),
              let config = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let object) = config,
              case .string(let exchange)? = object["exchange"] else { return nil }
        var sandbox = false
        var baseURL: String?
        if case .object(let exchangeConfig)? = object["exchange_config"] {
            if case .bool(let flag)? = exchangeConfig["sandbox"] { sandbox = flag }
            if case .string(let url)? = exchangeConfig["base_url"] { baseURL = url }
        }
        var symbols: [TradingSymbol] = []
        if case .array(let items)? = object["symbols"] {
            for case .string(let text) in items { if let symbol = try? TradingSymbol(parsing: text) { symbols.append(symbol) } }
        }
        return VenueTarget(exchange: exchange, sandbox: sandbox, baseURL: baseURL, symbols: symbols)
    }

    /// Credentials for `exchange` from the environment only (nobody is there to paste them).
    func environmentCredentials(exchange: String) -> VenueCredentials {
        let names = ExchangeCredentials.environmentNames(exchange: exchange)
        func read(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        return VenueCredentials(apiKey: read(names.apiKey), secret: read(names.secret), password: read(names.password))
    }

    func adapter(for target: VenueTarget, credentials: VenueCredentials) -> (any VenueAdapter)? {
        guard let httpClient else { return nil }
        let configuration = VenueConfiguration(
            credentials: credentials, sandbox: target.sandbox, baseURL: target.baseURL, requestTimeoutSeconds: requestTimeoutSeconds)
        return VenueCatalog.adapter(exchange: target.exchange, configuration: configuration, httpClient: httpClient)
    }

    /// Reconciles run `runID` (already marked failed/interrupted) and stores the document.
    func reconcile(runID: String, configJSON: String) async -> ReconciliationDocument? {
        guard let target = Self.target(configJSON: configJSON) else { return nil }
        let checkedAt = ISO8601Timestamp.string(fromMilliseconds: now())
        let activity: RunActivity
        do { activity = try await database.runs.activity(id: runID) } catch { return nil }
        let decoder = JSONDecoder()
        var orders = activity.ordersJSON.compactMap { try? decoder.decode(OrderRecord.self, from: Data($0.utf8)) }
        let open = orders.filter { !$0.status.isTerminal }
        var document = ReconciliationDocument(
            status: "reconciled", message: "", checked_at: checkedAt, exchange: target.exchange, sandbox: target.sandbox,
            open_orders: open, fills_recorded: 0)
        if open.isEmpty {
            document.message = "the run had no open orders"
            await save(document, runID: runID)
            return document
        }
        let credentials = environmentCredentials(exchange: target.exchange)
        guard !credentials.presentFields.isEmpty, let adapter = adapter(for: target, credentials: credentials) else {
            let names = ExchangeCredentials.environmentNames(exchange: target.exchange)
            document.status = "credentials_required"
            document.message = "\(open.count) order(s) were open when the run was interrupted; set \(names.apiKey) and \(names.secret) (and \(names.password) where the venue needs it) and restart, or cancel them with keys in the request, to reconcile"
            await save(document, runID: runID)
            return document
        }
        defer { Task { await adapter.shutdown() } }
        var fills = activity.fillsJSON.compactMap { try? decoder.decode(FillRecord.self, from: Data($0.utf8)) }
        var changedOrders: [OrderRecord] = []
        var newFills: [FillRecord] = []
        var stillOpen: [OrderRecord] = []
        var unanswered = 0
        for record in open {
            guard let clientOrderId = record.clientOrderId, let symbol = try? TradingSymbol(parsing: record.symbol) else { continue }
            let reported: VenueOrder?
            do {
                reported = try await adapter.order(symbol: symbol, clientOrderId: clientOrderId)
            } catch {
                unanswered += 1
                stillOpen.append(record)
                logger.warning("reconciliation: no answer", metadata: ["run_id": "\(runID)", "client_order_id": "\(clientOrderId)", "error": "\(error.message)"])
                continue
            }
            var updated = record
            guard let reported else {
                // Journaled but never taken by the venue (the process died before or while sending).
                updated.status = .rejected
                updated.reason = "the venue has no order \(clientOrderId): it was never placed (the process stopped before the venue took it)"
                updated.updatedTime = checkedAt
                changedOrders.append(updated)
                continue
            }
            let (order, fill) = Self.apply(reported, to: record, nextFillID: fills.count + newFills.count + 1)
            updated = order
            if let fill { newFills.append(fill) }
            if updated != record { changedOrders.append(updated) }
            if !updated.status.isTerminal { stillOpen.append(updated) }
        }
        fills.append(contentsOf: newFills)
        for changed in changedOrders {
            if let index = orders.firstIndex(where: { $0.id == changed.id }) { orders[index] = changed }
        }
        if !changedOrders.isEmpty || !newFills.isEmpty {
            let batch = RunActivityBatch(
                orders: changedOrders.map { SequencedJSON(seq: $0.id - 1, json: RunController.row($0)) },
                fills: newFills.map { SequencedJSON(seq: $0.id - 1, json: RunController.row($0)) })
            do {
                try await database.runs.record(runID: runID, batch, durable: true)
            } catch {
                document.status = "failed"
                document.message = "the venue's answers could not be stored: \(error)"
                await save(document, runID: runID)
                return document
            }
        }
        document.open_orders = stillOpen
        document.fills_recorded = newFills.count
        if unanswered > 0 {
            document.status = "unreachable"
            document.message = "\(target.exchange) did not answer for \(unanswered) order(s); they are listed as the journal had them. Restart to try again"
        } else {
            document.message = stillOpen.isEmpty
                ? "every open order had finished on the venue; \(newFills.count) fill(s) recorded"
                : "\(stillOpen.count) order(s) are still open on \(target.exchange); \(newFills.count) fill(s) recorded. Cancel them or keep them"
        }
        await save(document, runID: runID)
        return document
    }

    /// The stored order brought to the venue's state, and the fill for the quantity filled since
    /// (priced so the order's average is the venue's), if any.
    static func apply(_ reported: VenueOrder, to record: OrderRecord, nextFillID: Int) -> (OrderRecord, FillRecord?) {
        var updated = record
        var fill: FillRecord?
        let before = record.filledQuantity
        if reported.filledQuantity > before + 1e-15, let average = reported.averageFillPrice, average > 0 {
            let quantity = reported.filledQuantity - before
            let price = before == 0 ? average : (average * reported.filledQuantity - (record.averageFillPrice ?? 0) * before) / quantity
            let fee = max(0, (reported.cumulativeFee ?? record.fees) - record.fees)
            let time = ISO8601Timestamp.string(fromMilliseconds: reported.updatedAt)
            fill = FillRecord(
                id: nextFillID, orderId: record.id, clientOrderId: record.clientOrderId, symbol: record.symbol, side: record.side,
                quantity: quantity, price: price, fee: fee, isMaker: false, time: time)
            updated.filledQuantity = reported.filledQuantity
            updated.averageFillPrice = average
            updated.fees = record.fees + fee
            updated.quantity = reported.quantity
        }
        if reported.status != record.status && reported.status != .submitted {
            updated.status = reported.status
            updated.reason = reported.reason ?? record.reason
        }
        if updated != record { updated.updatedTime = ISO8601Timestamp.string(fromMilliseconds: reported.updatedAt) }
        return (updated, fill)
    }

    func save(_ document: ReconciliationDocument, runID: String) async {
        guard let data = try? JSONCoding.encode(document) else { return }
        do {
            try await database.runs.saveReconciliation(runID: runID, json: String(buffer: data), at: now())
        } catch {
            logger.error("could not store the reconciliation", metadata: ["run_id": "\(runID)", "error": "\(error)"])
        }
    }

    static func load(_ json: String) -> ReconciliationDocument? {
        try? JSONDecoder().decode(ReconciliationDocument.self, from: Data(json.utf8))
    }
}
