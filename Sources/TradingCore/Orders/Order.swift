/// An order as the broker tracks it, from submission to its terminal state.
///
/// Times are bar open times in milliseconds since the epoch (never the wall clock).
/// Stored compactly (about 136 bytes: optional prices as NaN, small ids as `Int32`, the two
/// rarely-set texts in one shared box) because long runs keep every order.
public struct Order: Sendable, Hashable {
    /// Sequential id within a run, starting at 1.
    public let id: Int
    public let createdAt: Int64
    public internal(set) var updatedAt: Int64
    /// Quantity-filled so far.
    public internal(set) var filledQuantity: Double = 0
    /// Quantity-weighted average of all fill prices (0 before the first fill).
    public internal(set) var averageFillPrice: Double = 0
    public internal(set) var fees: Double = 0

    var quantityStorage: Double
    let limitStorage: Double
    let stopStorage: Double
    let sizingAmount: Double
    let bracketStopLoss: Double
    let bracketTakeProfit: Double
    var texts: OrderTexts?
    let symbolStorage: Int32
    /// Index of the bar on which the order was submitted (for "first eligible bar" rules).
    let submittedBarStorage: Int32
    /// Bar index of the latest fill (one fill per order per bar).
    var lastFillBarStorage: Int32 = .min
    var ocoGroupStorage: Int32 = 0
    var parentIdStorage: Int32 = 0
    public let side: Side
    public let type: OrderType
    public let timeInForce: TimeInForce
    let sizingKind: UInt8
    public internal(set) var machine: OrderStateMachine
    /// For stop and stop-limit orders: the stop has been touched.
    public internal(set) var triggered: Bool = false
    /// The latest fill happened at a bar's open.
    var filledAtOpen = false
    /// The bracket legs of this entry were created.
    var bracketAttached = false
    let hasBracket: Bool

    init(id: Int, request: OrderRequest, createdAt: Int64, submittedBar: Int) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.symbolStorage = Int32(truncatingIfNeeded: request.symbol)
        self.side = request.side
        self.type = request.type
        self.timeInForce = request.timeInForce
        switch request.sizing {
        case .quantity(let q): sizingKind = 0; sizingAmount = q; quantityStorage = q
        case .cashFraction(let f): sizingKind = 1; sizingAmount = f; quantityStorage = .nan
        case .cashAmount(let a): sizingKind = 2; sizingAmount = a; quantityStorage = .nan
        case .entirePosition: sizingKind = 3; sizingAmount = .nan; quantityStorage = .nan
        }
        self.limitStorage = request.limitPrice ?? .nan
        self.stopStorage = request.stopPrice ?? .nan
        self.hasBracket = request.bracket != nil
        self.bracketStopLoss = request.bracket?.stopLoss ?? .nan
        self.bracketTakeProfit = request.bracket?.takeProfit ?? .nan
        self.machine = OrderStateMachine()
        self.submittedBarStorage = Int32(clamping: submittedBar)
        self.texts = request.clientOrderId.map { OrderTexts(clientOrderId: $0, reason: nil) }
    }

    public var status: OrderStatus { machine.state }
    public var symbol: Int { Int(symbolStorage) }

    public var sizing: OrderSizing {
        switch sizingKind {
        case 0: .quantity(sizingAmount)
        case 1: .cashFraction(sizingAmount)
        case 2: .cashAmount(sizingAmount)
        default: .entirePosition
        }
    }

    /// The quantity to trade. `nil` until a cash-sized or `entirePosition` order is sized at its first fill.
    public internal(set) var quantity: Double? {
        get { quantityStorage.isNaN ? nil : quantityStorage }
        set { quantityStorage = newValue ?? .nan }
    }

    public var limitPrice: Double? { limitStorage.isNaN ? nil : limitStorage }
    public var stopPrice: Double? { stopStorage.isNaN ? nil : stopStorage }

    /// Quantity still to fill, when known.
    public var remainingQuantity: Double? { quantity.map { $0 - filledQuantity } }

    public var clientOrderId: String? { texts?.clientOrderId }

    /// Why the order was rejected, cancelled or expired.
    public internal(set) var reason: String? {
        get { texts?.reason }
        set { texts = OrderTexts(clientOrderId: texts?.clientOrderId, reason: newValue) }
    }

    /// Orders sharing an OCO group cancel each other when one fills.
    public internal(set) var ocoGroup: Int? {
        get { ocoGroupStorage == 0 ? nil : Int(ocoGroupStorage) }
        set { ocoGroupStorage = Int32(truncatingIfNeeded: newValue ?? 0) }
    }

    /// The entry order a bracket leg protects.
    public internal(set) var parentId: Int? {
        get { parentIdStorage == 0 ? nil : Int(parentIdStorage) }
        set { parentIdStorage = Int32(truncatingIfNeeded: newValue ?? 0) }
    }

    var submittedBar: Int { Int(submittedBarStorage) }
    var lastFillBar: Int {
        get { Int(lastFillBarStorage) }
        set { lastFillBarStorage = Int32(clamping: newValue) }
    }

    var bracket: OrderRequest.Bracket? {
        guard hasBracket else { return nil }
        return OrderRequest.Bracket(stopLoss: bracketStopLoss.isNaN ? nil : bracketStopLoss,
                                    takeProfit: bracketTakeProfit.isNaN ? nil : bracketTakeProfit)
    }

    public static func == (lhs: Order, rhs: Order) -> Bool {
        lhs.canonicalText == rhs.canonicalText && lhs.clientOrderId == rhs.clientOrderId && lhs.reason == rhs.reason
            && lhs.sizing == rhs.sizing && lhs.triggered == rhs.triggered
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalText)
    }
}

/// The rarely-set texts of an order, shared (immutable) so order copies stay cheap.
final class OrderTexts: Sendable {
    let clientOrderId: String?
    let reason: String?

    init(clientOrderId: String?, reason: String?) {
        self.clientOrderId = clientOrderId
        self.reason = reason
    }
}
