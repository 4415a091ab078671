// A few strategies of our own writing, to start from.

export const EXAMPLES = [
  {
    name: 'SMA Cross',
    source: `//@version=5
strategy("SMA Cross", overlay=true, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=50)
fastLength = input.int(10, "Fast length", minval=1, maxval=200)
slowLength = input.int(30, "Slow length", minval=2, maxval=400)
fast = ta.sma(close, fastLength)
slow = ta.sma(close, slowLength)
plot(fast, "Fast SMA")
plot(slow, "Slow SMA")
if ta.crossover(fast, slow)
    strategy.entry("Long", strategy.long)
if ta.crossunder(fast, slow)
    strategy.close("Long", comment="Exit")
`,
  },
  {
    name: 'RSI Dip Buyer',
    source: `//@version=5
strategy("RSI Dip Buyer", overlay=false, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=100)
length = input.int(14, "RSI length", minval=2)
low_level = input.float(30, "Buy below", minval=1, maxval=50)
high_level = input.float(60, "Sell above", minval=50, maxval=99)
r = ta.rsi(close, length)
plot(r, "RSI")
if ta.crossover(r, low_level)
    strategy.entry("Dip", strategy.long)
if ta.crossover(r, high_level)
    strategy.close("Dip", comment="Recovered")
`,
  },
  {
    name: 'Donchian Breakout',
    source: `//@version=5
strategy("Donchian Breakout", overlay=true, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=100)
entryLength = input.int(20, "Entry channel", minval=2)
exitLength = input.int(10, "Exit channel", minval=2)
upper = ta.highest(high, entryLength)[1]
lower = ta.lowest(low, exitLength)[1]
plot(upper, "Upper")
plot(lower, "Lower")
if close > upper
    strategy.entry("Breakout", strategy.long)
if close < lower
    strategy.close("Breakout", comment="Channel exit")
`,
  },
];
