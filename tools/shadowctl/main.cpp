// shadowctl: the command-line front end of the shadowslab kernel module.
//
// Exit status: 0 success, 1 the operation failed, 2 the command line is
// wrong, 130 a run was cancelled with Ctrl-C.  Every error is printed as
// "shadowctl: <message>" on stderr.

#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli.hpp"
#include "commands.hpp"
#include "exit_status.hpp"

int main(int argc, char** argv)
{
    using namespace shadowctl;

    CLI::App app;
    Options options;
    build_cli(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version arrive as "errors" with exit code 0.
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(error);
        fmt::print(stderr, "shadowctl: {}\n", error.what());
        fmt::print(stderr, "Run with --help for more information.\n");
        return kExitUsage;
    }

    try {
        return dispatch(options);
    } catch (const UsageError& error) {
        fmt::print(stderr, "shadowctl: {}\n", error.what());
        return kExitUsage;
    } catch (const std::exception& error) {
        fmt::print(stderr, "shadowctl: {}\n", error.what());
        return kExitFailure;
    }
}
