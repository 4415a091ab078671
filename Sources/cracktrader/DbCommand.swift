import ArgumentParser
import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cracktrader db`: check and back up the database of a data directory, also while a server runs.
struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Check or back up the database (safe while a server is running).",
        subcommands: [Check.self, Backup.self]
    )

    /// The data directory, as `serve --data-dir` takes it.
    struct Location: ParsableArguments {
        @Option(help: "Data directory holding cracktrader.sqlite. [default: ./cracktrader-data]")
        var dataDir: String = "./cracktrader-data"

        var databasePath: String { dataDir + "/" + Database.fileName }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the database for damage; exit status 0 when it is sound, 1 when not.",
            discussion: """
                Runs PRAGMA quick_check (what start-up runs), or with --full PRAGMA integrity_check, which also \
                compares every index with its table. Reads only; never migrates or repairs anything.
                """
        )

        @OptionGroup var location: Location

        @Flag(help: "Run the slower, complete PRAGMA integrity_check.")
        var full = false

        func run() async throws {
            let report: DatabaseMaintenance.CheckReport
            do {
                report = try await DatabaseMaintenance.check(path: location.databasePath, full: full)
            } catch let error as StorageError {
                printError("error: \(error.description)")
                throw ExitCode(1)
            }
            let version = report.schemaVersion.map { "schema version \($0)" } ?? "schema version unreadable"
            if report.isOK {
                writeLine("\(report.path): ok (\(report.pragma), \(version))", to: STDOUT_FILENO)
                return
            }
            writeLine("\(report.path): DAMAGED (\(report.pragma), \(version)):", to: STDOUT_FILENO)
            for line in report.results { writeLine("  \(line)", to: STDOUT_FILENO) }
            writeLine(
                "Restore a backup (stop the server, replace the file, remove its -wal and -shm), or move the file aside to start empty.",
                to: STDOUT_FILENO)
            throw ExitCode(1)
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent copy of the database to PATH (which must not exist).",
            discussion: """
                Uses SQLite's VACUUM INTO: one snapshot inside a read transaction, so a server may keep \
                serving and writing meanwhile; the copy is compacted, synced to disk and checked. Restore by \
                stopping the server and putting the copy in place as cracktrader.sqlite (without the old \
                -wal and -shm files).
                """
        )

        @Argument(help: "The new file to write.")
        var path: String

        @OptionGroup var location: Location

        func run() async throws {
            do {
                let report = try await DatabaseMaintenance.backup(path: location.databasePath, to: path)
                writeLine(
                    "backed up \(report.source) to \(report.destination) (\(report.bytes) bytes, schema version \(report.schemaVersion), checked ok)",
                    to: STDOUT_FILENO)
            } catch let error as StorageError {
                printError("error: \(error.description)")
                throw ExitCode(1)
            }
        }
    }
}
