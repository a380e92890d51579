// shadowctl info: see the subcommand's --help below.

#include "info.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/command.hpp"
#include "common/exit_status.hpp"
#include "shadowslab/cpu_list.hpp"
#include "shadowslab/names.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "info",
    "Show the module, the kernel and the CPUs it runs on.\n\n"
    "Prints the module's ABI and version, the kernel release, nr_cpu_ids and the possible and "
    "online CPUs, sizeof(struct mm_struct) as the kernel's mm_cachep has it, the percpu "
    "allocations and frees the module made since it was loaded, and the kernel "
    "features the module detected (counter_init_many: percpu_counter_init_many(), 6.6+; "
    "lockdep; preempt_rt), and where it all runs: clocksource, cpufreq governor, SMT, preemption model, "
    "virtualisation, memcg, the kernel command line, and under scripts/vm-run the host's load.  Warns if the "
    "module speaks another ABI version than this tool, and of what would skew a measurement.",
    "",
    "info", 1};

// sysfs may be missing (e.g. in a bare chroot); INFO's counts still stand.
std::string cpu_list_or_empty(const char* path)
{
    try {
        return shadowslab::format_cpu_list(shadowslab::read_cpu_list_file(path));
    } catch (const std::exception&) {
        return {};
    }
}

struct InfoOptions {};

int info_command(const Invocation& invocation, const InfoOptions&)
{
    const shadowslab::Device device(invocation.device_path);
    const InfoReport report = collect_info(device);
    warn_on_abi_mismatch(report.info);
    emit(invocation.output, format_info_text(report), info_to_json(report), report.environment.warnings);
    return kExitOk;
}

void add_info_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<InfoOptions> options)
{
    CLI::App* command = add_subcommand(parent, kHelp);
    on_parse(*command, invocation, options, info_command);
}

const SubcommandRegistration registration{"info", add_info_command};

}  // namespace

InfoReport collect_info(const shadowslab::Device& device)
{
    InfoReport report;
    report.info = device.info();
    report.possible_cpus = cpu_list_or_empty(shadowslab::kPossibleCpusPath);
    report.online_cpus = cpu_list_or_empty(shadowslab::kOnlineCpusPath);
    report.environment = read_environment();
    return report;
}

void warn_on_abi_mismatch(const shadowslab_info& info)
{
    if (const auto warning = abi_mismatch_warning(info.abi_version))
        fmt::print(stderr, "shadowctl: warning: {}\n", *warning);
}

std::optional<std::string> abi_mismatch_warning(std::uint32_t module_abi_version)
{
    if (module_abi_version == SHADOWSLAB_ABI_VERSION)
        return std::nullopt;
    return fmt::format(
        "the module speaks ABI version {} but this shadowctl was built for version {}; results may be "
        "incomplete or misread: rebuild the tools and the module from the same tree",
        module_abi_version, SHADOWSLAB_ABI_VERSION);
}

namespace {

std::vector<std::string> kernel_profile_facts(std::uint32_t flags)
{
    static constexpr std::pair<std::uint32_t, const char*> kFacts[] = {
        {SHADOWSLAB_KPROF_WHAT_IF, "what_if"},
        {SHADOWSLAB_KPROF_RSS_COUNTERS, "rss_counters"},
        {SHADOWSLAB_KPROF_RSS_BLOCK, "rss_block"},
        {SHADOWSLAB_KPROF_SCHED_MM_CID, "sched_mm_cid"},
        {SHADOWSLAB_KPROF_SCHED_CACHE, "sched_cache"},
    };
    std::vector<std::string> names;
    for (const auto& [bit, name] : kFacts)
        if (flags & bit)
            names.emplace_back(name);
    return names;
}

// "64:64, 16:8, 16:4": each region's bytes per CPU and alignment.
std::string kernel_profile_regions(const shadowslab_profile_spec& spec)
{
    std::vector<std::string> regions;
    for (std::uint32_t i = 0; i < spec.nr_regions && i < SHADOWSLAB_MAX_REGIONS; ++i)
        regions.push_back(fmt::format("{}:{}", spec.regions[i].size, spec.regions[i].align));
    return fmt::format("{}", fmt::join(regions, ", "));
}

}  // namespace

std::string format_info_text(const InfoReport& report)
{
    const shadowslab_info& info = report.info;
    const auto cpus = [](std::uint32_t count, const std::string& list) {
        return list.empty() ? fmt::format("{}", count) : fmt::format("{} ({})", count, list);
    };
    const auto features = shadowslab::feature_names(info.features);

    std::string text;
    text += fmt::format("ABI version      {} (shadowctl: {})\n", info.abi_version, SHADOWSLAB_ABI_VERSION);
    text += fmt::format("module version   {}\n", shadowslab::fixed_string(info.module_version));
    text += fmt::format("kernel release   {}\n", shadowslab::fixed_string(info.kernel_release));
    text += fmt::format("nr_cpu_ids       {}\n", info.nr_cpu_ids);
    text += fmt::format("possible CPUs    {}\n", cpus(info.nr_possible_cpus, report.possible_cpus));
    text += fmt::format("online CPUs      {}\n", cpus(info.nr_online_cpus, report.online_cpus));
    text += fmt::format("mm_struct size   {} bytes\n", info.mm_struct_size);
    text += fmt::format("percpu memory    {} allocations, {} frees by the module since it was loaded\n",
                        info.percpu_allocs, info.percpu_frees);
    text += fmt::format("features         {}\n", features.empty() ? "none" : fmt::format("{}", fmt::join(features, ", ")));
    if (info.kernel_profile.profile == SHADOWSLAB_PROFILE_KERNEL) {
        const auto facts = kernel_profile_facts(info.kernel_profile_flags);
        text += fmt::format("kernel profile   {}: {} percpu allocations per mm, SIZE:ALIGN per CPU {} ({})\n",
                            shadowslab::fixed_string(info.kernel_profile_basis), info.kernel_profile.nr_regions,
                            kernel_profile_regions(info.kernel_profile), fmt::join(facts, ", "));
    }
    text += fmt::format("memcg            {}\n",
                        info.features & SHADOWSLAB_FEAT_MEMCG_KMEM
                            ? "runs charge the caller's memory cgroup, as exec does"
                            : "this kernel charges no kernel memory to memory cgroups");
    text += fmt::format("per-use charge   {}\n",
                        info.features & SHADOWSLAB_FEAT_PERCPU_CHARGE
                            ? "ctor and stash charge their percpu memory on every use, as the RFC does"
                            : "unavailable: this kernel exports no way to charge percpu memory without "
                              "allocating it, so ctor and stash do not pay the RFC's per-use charge");
    text += "\n" + format_environment(report.environment) + format_warnings(report.environment.warnings);
    return text;
}

namespace {

// null from a module too old to report it (INFO before VER1).
Json kernel_profile_json(const shadowslab_info& info)
{
    const shadowslab_profile_spec& spec = info.kernel_profile;
    if (spec.profile != SHADOWSLAB_PROFILE_KERNEL)
        return nullptr;
    Json regions = Json::array();
    for (std::uint32_t i = 0; i < spec.nr_regions && i < SHADOWSLAB_MAX_REGIONS; ++i)
        regions.push_back({{"size", spec.regions[i].size}, {"align", spec.regions[i].align}});
    return {
        {"basis", shadowslab::fixed_string(info.kernel_profile_basis)},
        {"what_if", (info.kernel_profile_flags & SHADOWSLAB_KPROF_WHAT_IF) != 0},
        {"facts", kernel_profile_facts(info.kernel_profile_flags)},
        {"object_size", spec.object_size},
        {"regions", regions},
    };
}

}  // namespace

Json info_to_json(const InfoReport& report)
{
    const shadowslab_info& info = report.info;
    const auto list_or_null = [](const std::string& list) {
        return list.empty() ? Json(nullptr) : Json(list);
    };
    return {
        {"schema", schema_name("info", 1)},
        {"abi_version", info.abi_version},
        {"tool_abi_version", SHADOWSLAB_ABI_VERSION},
        {"abi_match", info.abi_version == SHADOWSLAB_ABI_VERSION},
        {"module_version", shadowslab::fixed_string(info.module_version)},
        {"kernel_release", shadowslab::fixed_string(info.kernel_release)},
        {"nr_cpu_ids", info.nr_cpu_ids},
        {"nr_possible_cpus", info.nr_possible_cpus},
        {"nr_online_cpus", info.nr_online_cpus},
        {"possible_cpus", list_or_null(report.possible_cpus)},
        {"online_cpus", list_or_null(report.online_cpus)},
        {"mm_struct_size", info.mm_struct_size},
        {"percpu_allocs", info.percpu_allocs},
        {"percpu_frees", info.percpu_frees},
        {"features", shadowslab::feature_names(info.features)},
        {"features_raw", info.features},
        {"kernel_profile", kernel_profile_json(info)},
        {"memcg_charged", (info.features & SHADOWSLAB_FEAT_MEMCG_KMEM) != 0},
        {"percpu_charge", (info.features & SHADOWSLAB_FEAT_PERCPU_CHARGE) != 0},
        {"environment", environment_to_json(report.environment)},
    };
}

}  // namespace shadowctl
