extension PaperSession.Step {
    /// A step built outside the session: paper runs of Pine scripts (their own broker) report
    /// their bars in the same shape.
    public static func reported(
        orders: [OrderRecord], trades: [TradeRecord], fills: [FillRecord], equity: EquityPoint, cash: Double, value: Double
    ) -> Self {
        Self(orders: orders, trades: trades, fills: fills, equity: equity, cash: cash, value: value)
    }
}
