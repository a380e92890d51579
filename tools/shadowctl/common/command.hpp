#pragma once

// How the subcommands plug into shadowctl.
//
// Each subcommand lives in its own file (or folder) with its options, its
// action and its output:
//
//   struct FooOptions { ... };
//   int foo_command(const Invocation& invocation, const FooOptions& options);
//   constexpr SubcommandHelp kHelp{"foo", "Do foo.\n\n...", "Examples: ...", "foo", 1};
//   void add_foo_command(CLI::App& parent, Invocation& invocation,
//                        std::shared_ptr<FooOptions> options)
//   {
//       CLI::App* command = add_subcommand(parent, kHelp);
//       ... options ...
//       on_parse(*command, invocation, options, foo_command);
//   }
//   const SubcommandRegistration registration{"foo", add_foo_command};
//
// build_command_line() adds every registered subcommand.  Parsing one runs
// its CLI11 callback, which validates what can be checked without the
// device and stores the action in the Invocation; main() then runs it.  So
// adding a subcommand is writing its file and naming it in CMakeLists.txt.

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/output.hpp"
#include "shadowslab/abi.hpp"

namespace shadowctl {

// What every subcommand honours, given before or after it.
struct Invocation {
    std::string device_path = SHADOWSLAB_DEVICE_PATH;  // --device
    OutputOptions output;                              // --json, -o FILE
    // Set by the callback of the subcommand that was parsed; returns the
    // exit status and throws on failure (see main.cpp).
    std::function<int()> action;
};

// Adds one subcommand to `parent`, its options in `options` (which the
// subcommand's callbacks keep alive as long as `parent`).
template <typename Options>
using AddSubcommand = void (*)(CLI::App& parent, Invocation& invocation, std::shared_ptr<Options> options);

// What a subcommand does once parsed: returns the exit status.
template <typename Options>
using SubcommandAction = int (*)(const Invocation& invocation, const Options& options);

// What a subcommand's --help says besides its options: the description
// first (its first paragraph is also the subcommand's line in `shadowctl
// --help`), and after the options the footer (examples, notes) and the
// schema of its JSON document.
struct SubcommandHelp {
    const char* name;
    const char* description;
    const char* footer;  // "" for none
    const char* schema;  // "NAME" of shadowslab-NAME/N; nullptr for none
    int schema_version;
    // Where -o puts the document, as its help line says it.
    const char* document_output = "-o FILE";
};

// Adds the subcommand `help` describes to `parent`.
CLI::App* add_subcommand(CLI::App& parent, const SubcommandHelp& help);

// A static one per subcommand file.
class SubcommandRegistration {
public:
    template <typename Options>
    SubcommandRegistration(std::string name, AddSubcommand<Options> add)
    {
        add_to_registry(std::move(name), [add](CLI::App& parent, Invocation& invocation) {
            add(parent, invocation, std::make_shared<Options>());
        });
    }

private:
    static void add_to_registry(std::string name, std::function<void(CLI::App&, Invocation&)> add);
};

// Sets `command`'s callback: `check` (if given) validates the parsed
// options, throwing CLI11 errors, then `action` becomes the invocation's.
template <typename Options>
void on_parse(CLI::App& command, Invocation& invocation, std::shared_ptr<Options> options,
              SubcommandAction<Options> action, std::function<void(Options&)> check = {})
{
    command.callback([&invocation, options, action, check] {
        if (check)
            check(*options);
        invocation.action = [&invocation, options, action] { return action(invocation, *options); };
    });
}

// The whole command line: the description, --device, --json, -o, --version,
// every registered subcommand (in name order) and the footer.  Parsing fills
// `invocation`, which must outlive `app`.
void build_command_line(CLI::App& app, Invocation& invocation);

}  // namespace shadowctl
