#include "common/command.hpp"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "common/exit_status.hpp"
#include "common/help.hpp"

namespace shadowctl {

namespace {

struct Registered {
    std::string name;
    std::function<void(CLI::App&, Invocation&)> add;
};

// A function-local static: registrations run during static initialisation,
// in no particular order across files.
std::vector<Registered>& registry()
{
    static std::vector<Registered> subcommands;
    return subcommands;
}

}  // namespace

void SubcommandRegistration::add_to_registry(std::string name, std::function<void(CLI::App&, Invocation&)> add)
{
    registry().push_back({std::move(name), std::move(add)});
}

CLI::App* add_subcommand(CLI::App& parent, const SubcommandHelp& help)
{
    CLI::App* command = parent.add_subcommand(help.name, help.description);
    std::string footer = help.footer;
    if (help.schema)
        footer += (footer.empty() ? "" : "\n\n") + schema_help(help.schema, help.schema_version, help.document_output);
    command->footer(footer);
    return command;
}

void build_command_line(CLI::App& app, Invocation& invocation)
{
    // Subcommands copy these settings from their parent when they are added.
    app.name("shadowctl");
    app.formatter(std::make_shared<HelpFormatter>(help_width()));
    app.fallthrough();  // so the global options may also follow the subcommand

    app.description(
        "shadowctl drives the shadowslab kernel module through /dev/shadowslab.\n\n"
        "Every mm_struct (fork/exec) owns percpu memory: the rss_stat counters and mm_cid.  "
        "Allocating it takes the global pcpu_alloc_mutex, which serialises fork/exec across CPUs.  "
        "The module's shadow cache is a constructor/destructor object cache (Bonwick slab plus "
        "per-CPU magazines) whose objects keep the percpu memory their constructor allocated, so "
        "reuse skips pcpu_alloc() entirely.  Its workload engine times mm_struct-like alloc/free "
        "cycles on pinned kthreads, to measure the difference.");
    app.set_version_flag("--version", std::string("shadowctl ") + SHADOWCTL_VERSION + " (ABI " +
                                          std::to_string(SHADOWSLAB_ABI_VERSION) + ")");
    app.add_option("--device", invocation.device_path, "Path of the shadowslab misc device")
        ->type_name("PATH")
        ->capture_default_str();
    add_output_options(app, invocation.output);
    app.require_subcommand(1);

    std::vector<Registered> subcommands = registry();
    std::sort(subcommands.begin(), subcommands.end(),
              [](const Registered& a, const Registered& b) { return a.name < b.name; });
    for (const Registered& subcommand : subcommands)
        subcommand.add(app, invocation);

    // Set last: subcommands added after it would show it as their own.
    app.footer(
        "Examples:\n"
        "  shadowctl info\n"
        "  shadowctl run --strategy ctor --threads 2 --duration 5s\n"
        "  shadowctl compare --rounds 5 -o result.json --plot scaling.svg\n"
        "  shadowctl report -o report/\n"
        "  shadowctl diff report-6.1/ report-7.3/\n"
        "  shadowctl execbench --duration 5s --compare\n\n"
        "Most commands need root (CAP_SYS_ADMIN) and the module loaded: insmod kmod/shadowslab.ko.  "
        "Run `shadowctl COMMAND --help` for a command's options.\n\n" +
        std::string(kExitStatusHelp));
}

}  // namespace shadowctl
