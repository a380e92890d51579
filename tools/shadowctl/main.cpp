// shadowctl: the command-line front end of the shadowslab kernel module.
//
// Exit statuses: common/exit_status.hpp.  Every error is printed as
// "shadowctl: <message>" on stderr; with --json, an object of schema
// shadowslab-error/1 on stdout says the same.

#include <exception>
#include <system_error>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/command.hpp"
#include "common/exit_status.hpp"

namespace {

using shadowctl::Invocation;
using shadowctl::Json;

int fail(const Invocation& invocation, int status, const std::exception& error)
{
    fmt::print(stderr, "shadowctl: {}\n", error.what());
    if (invocation.output.json || invocation.output.path == "-") {
        const auto* system_error = dynamic_cast<const std::system_error*>(&error);
        const Json document = {{"schema", shadowctl::schema_name("error", 1)},
                               {"error", error.what()},
                               {"errno", system_error ? Json(system_error->code().value()) : Json(nullptr)},
                               {"exit_status", status}};
        fmt::print("{}\n", document.dump(2));
    }
    return status;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app;
    Invocation invocation;
    shadowctl::build_command_line(app, invocation);
    if (argc == 1) {
        fmt::print("{}", app.help());
        return shadowctl::kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version arrive as "errors" with exit code 0.
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(error);
        fmt::print(stderr, "shadowctl: {}\n", error.what());
        fmt::print(stderr, "Run with --help for more information.\n");
        return shadowctl::kExitUsage;
    }

    try {
        return invocation.action();
    } catch (const shadowctl::UsageError& error) {
        return fail(invocation, shadowctl::kExitUsage, error);
    } catch (const std::exception& error) {
        return fail(invocation, shadowctl::kExitFailure, error);
    }
}
