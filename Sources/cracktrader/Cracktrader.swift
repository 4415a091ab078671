import ArgumentParser

/// The `cracktrader` command. With no subcommand it serves the dashboard and API.
@main
struct Cracktrader: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cracktrader",
        abstract: "A crypto trading workstation: backtest, paper-trade and watch it all at http://127.0.0.1:8080/ui.",
        subcommands: [Serve.self, BacktestCommand.self, ScriptCommand.self, StrategiesCommand.self, DataCommand.self, DbCommand.self, BenchCommand.self, SweepCommand.self],
        defaultSubcommand: Serve.self
    )
}
