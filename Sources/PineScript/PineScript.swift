/// The Pine Script language for Cracktrader: source text in, a compiled script that runs bar by bar
/// on TradingCore's TradingView strategy model out.
public enum PineScript {}
