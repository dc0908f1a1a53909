package io.multifd.cli;

import io.multifd.api.MultifdException;
import io.multifd.core.registry.MethodUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The {@code multifd} command: moves memory images between peers over QEMU-compatible multifd
 * channels and decodes QEMU migrations. Each subcommand is one class of this package, registered
 * in {@link #commandLine()}.
 *
 * @since 0.1
 */
@Command(name = "multifd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "QEMU-compatible multifd transfer of memory images with pluggable compression methods.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:transfer or decoding failed (malformed input, I/O error, failed check)",
                "2:usage error (unknown option, missing or invalid argument)",
                "3:method unknown or unavailable here, or negotiation refused by the peer"},
        footer = "%nRun 'multifd COMMAND --help' for a command's options.")
public final class Main implements Runnable {

    /** Exit code: success. */
    public static final int EXIT_OK = 0;
    /** Exit code: the transfer or the decoding failed. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code: the command line is wrong. */
    public static final int EXIT_USAGE = 2;
    /** Exit code: the method is unknown or unavailable here, or the peer refused the negotiation. */
    public static final int EXIT_UNAVAILABLE = 3;

    @Spec
    CommandSpec spec;

    /** Created by picocli. */
    public Main() {
    }

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with every subcommand, the exit-code mapping and the logging setup; call
     * {@link CommandLine#execute(String...)} on it (tests may set its out and err writers first).
     *
     * @return a new command line
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // subcommands: one line each
        cl.addSubcommand(new SendCommand());
        cl.addSubcommand(new ReceiveCommand());
        cl.addSubcommand(new BenchCommand());
        cl.addSubcommand(new BenchDestinationCommand());
        cl.addSubcommand(new MethodsCommand());
        cl.addSubcommand(new QemuDecodeCommand());
        cl.addSubcommand(new QemuReceiveCommand());
        cl.addSubcommand(new QemuTranscodeCommand());
        cl.addSubcommand(new QemuSendCommand());
        cl.addSubcommand(new ConformanceCommand());
        // end of subcommands
        cl.addSubcommand(new CommandLine.HelpCommand());
        cl.setExecutionStrategy(parseResult -> {
            CliLogging.configure(verbose(parseResult));
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setExecutionExceptionHandler(Main::handle);
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Turns a command's exception into one line on stderr (a stack trace with --verbose) and an exit code. */
    private static int handle(Exception ex, CommandLine cl, ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        boolean verbose = verbose(parseResult);
        String prefix = "multifd " + cl.getCommandName() + ": ";
        int code;
        if (ex instanceof MethodUnavailableException) {
            err.println(prefix + ex.getMessage());
            code = EXIT_UNAVAILABLE;
        } else if (ex instanceof MultifdException) {
            err.println(prefix + ex.getMessage());
            code = EXIT_FAILURE;
        } else if (ex instanceof CommandLine.ParameterException p) {
            err.println(prefix + p.getMessage());
            code = EXIT_USAGE;
        } else {
            err.println(prefix + "internal error: " + ex);
            code = EXIT_FAILURE;
        }
        if (verbose) {
            ex.printStackTrace(err);
        } else if (code == EXIT_FAILURE && !(ex instanceof MultifdException)) {
            err.println(prefix + "run again with --verbose for the stack trace");
        }
        err.flush();
        return code;
    }

    static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The version of the jar (its Implementation-Version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"multifd " + (v == null ? "(development build)" : v)
                    + ", QEMU 10.0 multifd wire format, method API version " + io.multifd.api.MultifdApi.API_VERSION};
        }
    }
}
