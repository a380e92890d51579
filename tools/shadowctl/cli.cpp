#include "cli.hpp"

#include <memory>

#include "cli_commands.hpp"
#include "help_formatter.hpp"

namespace shadowctl {

namespace {

void add_info_command(CLI::App& app, Options& options)
{
    CLI::App* info = app.add_subcommand(
        "info",
        "Show the module, the kernel and the CPUs it runs on.\n\n"
        "Prints the module's ABI and version, the kernel release, nr_cpu_ids and the possible and "
        "online CPUs, sizeof(struct mm_struct) as the kernel's mm_cachep has it, the percpu "
        "allocations and frees the module made since it was loaded, and the kernel "
        "features the module detected (counter_init_many: percpu_counter_init_many(), 6.6+; "
        "lockdep; preempt_rt).  Warns if the module speaks another ABI version than this tool.");
    info->add_flag("--json", options.info.json, "Print one JSON object instead of text");
    info->callback([&options] { options.command = Command::info; });
}

}  // namespace

void build_cli(CLI::App& app, Options& options)
{
    // Subcommands copy these settings from their parent when they are added.
    app.name("shadowctl");
    app.formatter(std::make_shared<HelpFormatter>(help_width()));
    app.fallthrough();  // so --device may also follow the subcommand

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
    app.add_option("--device", options.device_path, "Path of the shadowslab misc device")
        ->type_name("PATH")
        ->capture_default_str();
    app.require_subcommand(1);

    add_info_command(app, options);
    cli::add_cache_commands(app, options);
    cli::add_run_command(app, options);
    cli::add_compare_command(app, options);
    cli::add_execbench_command(app, options);
    cli::add_trace_command(app, options);

    // Set last: subcommands added after it would show it as their own.
    app.footer(
        "Examples:\n"
        "  shadowctl info\n"
        "  shadowctl run --strategy ctor --threads 2 --duration 5\n"
        "  shadowctl compare --rounds 5 --json result.json --plot scaling.svg\n"
        "  shadowctl execbench --duration 5 --compare\n\n"
        "Most commands need root (CAP_SYS_ADMIN) and the module loaded: insmod kmod/shadowslab.ko.  "
        "Run `shadowctl COMMAND --help` for a command's options.");
}

}  // namespace shadowctl
