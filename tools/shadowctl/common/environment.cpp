#include "common/environment.hpp"

#include <sys/utsname.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shadowslab/number_parse.hpp"

namespace shadowctl {

namespace {

// Other work on the host beyond this much (CPUs' worth) makes the guest's
// figures suspect: its vCPUs are host threads that then wait for a core.
constexpr double kBusyHostThreshold = 0.25;

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad())
        return std::nullopt;
    return text;
}

// The first line, without its newline; "" if unreadable.
std::string read_line(const std::string& path)
{
    const std::optional<std::string> text = read_file(path);
    if (!text)
        return {};
    return text->substr(0, text->find('\n'));
}

std::vector<std::string> words(const std::string& text)
{
    std::istringstream in(text);
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

shadowslab::CpuList cpu_list_or_empty(const std::string& path)
{
    try {
        return shadowslab::parse_cpu_list(read_line(path));
    } catch (const std::exception&) {
        return {};
    }
}

std::string cpu_model(const std::string& root)
{
    const std::optional<std::string> cpuinfo = read_file(root + "/proc/cpuinfo");
    if (!cpuinfo)
        return {};
    std::istringstream in(*cpuinfo);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            const std::size_t colon = line.find(':');
            return colon == std::string::npos ? std::string() : line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return {};
}

// "none (voluntary) full" -> "voluntary".
std::string parenthesised(const std::string& text)
{
    const std::size_t open = text.find('(');
    const std::size_t close = text.find(')', open);
    if (open == std::string::npos || close == std::string::npos)
        return {};
    return text.substr(open + 1, close - open - 1);
}

// The preemption model from the kernel's config file, if installed.
std::string preemption_from_config(const std::string& path)
{
    const std::optional<std::string> config = read_file(path);
    if (!config)
        return {};
    const std::pair<const char*, const char*> models[] = {{"CONFIG_PREEMPT_RT=y", "rt"},
                                                          {"CONFIG_PREEMPT=y", "full"},
                                                          {"CONFIG_PREEMPT_VOLUNTARY=y", "voluntary"},
                                                          {"CONFIG_PREEMPT_NONE=y", "none"}};
    for (const auto& [line, model] : models)
        if (config->find(std::string("\n") + line + "\n") != std::string::npos)
            return model;
    return {};
}

void read_preemption(const std::string& root, Environment& environment)
{
    const std::string dynamic = parenthesised(read_line(root + "/sys/kernel/debug/sched/preempt"));
    if (!dynamic.empty()) {
        environment.preemption = dynamic;
        environment.preemption_source = "/sys/kernel/debug/sched/preempt (PREEMPT_DYNAMIC)";
        return;
    }
    const std::string& version = environment.kernel_version;
    if (version.find("PREEMPT_RT") != std::string::npos) {
        environment.preemption = "rt";
        environment.preemption_source = "uname -v";
        return;
    }
    for (const std::string& word : words(environment.cmdline))
        if (word.rfind("preempt=", 0) == 0 && version.find("PREEMPT_DYNAMIC") != std::string::npos) {
            environment.preemption = word.substr(8);
            environment.preemption_source = "/proc/cmdline (PREEMPT_DYNAMIC)";
            return;
        }
    const std::string config = root + "/boot/config-" + environment.kernel_release;
    environment.preemption = preemption_from_config(config);
    if (!environment.preemption.empty()) {
        environment.preemption_source = config;
        return;
    }
    if (version.find("PREEMPT ") != std::string::npos) {
        environment.preemption = "full";
        environment.preemption_source = "uname -v";
    }
}

std::string virtualization([[maybe_unused]] const std::string& root)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && !(ecx & (1U << 31)))
        return "none";
    __cpuid(0x40000000, eax, ebx, ecx, edx);
    char signature[13] = {};
    std::memcpy(signature, &ebx, 4);
    std::memcpy(signature + 4, &ecx, 4);
    std::memcpy(signature + 8, &edx, 4);
    const std::pair<const char*, const char*> known[] = {
        {"KVMKVMKVM", "kvm"},       {"TCGTCGTCGTCG", "tcg"},    {"Microsoft Hv", "hyperv"},
        {"VMwareVMware", "vmware"}, {"XenVMMXenVMM", "xen"},    {"VBoxVBoxVBox", "virtualbox"},
        {"bhyve bhyve ", "bhyve"},  {"ACRNACRNACRN", "acrn"},   {"QNXQVMBSQG", "qnx"},
    };
    for (const auto& [name, kind] : known)
        if (std::strcmp(signature, name) == 0)
            return kind;
    return fmt::format("hypervisor '{}'", signature);
#else
    const std::string type = read_line(root + "/sys/hypervisor/type");
    return type.empty() ? std::string() : type;
#endif
}

void read_memcg(const std::string& root, Environment& environment)
{
    // The controller: cgroup v2 lists it at the root, v1 in /proc/cgroups.
    const std::optional<std::string> controllers = read_file(root + "/sys/fs/cgroup/cgroup.controllers");
    if (controllers) {
        const std::vector<std::string> names = words(*controllers);
        environment.memcg_enabled = std::find(names.begin(), names.end(), "memory") != names.end();
    } else if (const std::optional<std::string> cgroups = read_file(root + "/proc/cgroups")) {
        std::istringstream in(*cgroups);
        for (std::string line; std::getline(in, line);) {
            const std::vector<std::string> fields = words(line);
            if (fields.size() >= 4 && fields[0] == "memory")
                environment.memcg_enabled = fields[3] == "1";
        }
    }
    const std::vector<std::string> cmdline = words(environment.cmdline);
    if (environment.memcg_enabled.value_or(false))
        environment.memcg_kmem =
            std::find(cmdline.begin(), cmdline.end(), "cgroup.memory=nokmem") == cmdline.end();

    // This process's cgroup: v1's memory hierarchy if there is one, else v2's.
    const std::optional<std::string> self = read_file(root + "/proc/self/cgroup");
    if (!self)
        return;
    std::string v1_path, v2_path;
    std::istringstream in(*self);
    for (std::string line; std::getline(in, line);) {
        const std::vector<std::string_view> fields = shadowslab::split(line, ':');
        if (fields.size() < 3)
            continue;
        const std::string path(line.substr(fields[0].size() + fields[1].size() + 2));
        if (fields[1] == "")
            v2_path = path;
        for (const std::string_view controller : shadowslab::split(fields[1], ','))
            if (controller == "memory")
                v1_path = path;
    }
    if (!v1_path.empty()) {
        environment.memcg_path = v1_path;
        environment.memcg_limit = read_line(root + "/sys/fs/cgroup/memory" + v1_path + "/memory.limit_in_bytes");
    } else {
        environment.memcg_path = v2_path;
        environment.memcg_limit = read_line(root + "/sys/fs/cgroup" + v2_path + "/memory.max");
    }
}

// vm-run's sampler file, from the kernel command line.
std::string host_load_file(const std::string& cmdline)
{
    for (const std::string& word : words(cmdline))
        if (word.rfind("vmrun.host_load=", 0) == 0)
            return word.substr(std::strlen("vmrun.host_load="));
    return {};
}

// The sampler's newest line.
std::string last_line(const std::string& path)
{
    const std::optional<std::string> text = read_file(path);
    if (!text)
        return {};
    std::string trimmed = *text;
    while (!trimmed.empty() && trimmed.back() == '\n')
        trimmed.pop_back();
    const std::size_t newline = trimmed.rfind('\n');
    return newline == std::string::npos ? trimmed : trimmed.substr(newline + 1);
}

Environment read_static(const std::string& root)
{
    Environment environment;
    utsname name{};
    if (::uname(&name) == 0) {
        environment.kernel_release = name.release;
        environment.kernel_version = name.version;
        environment.machine = name.machine;
    }
    environment.cpu_model = cpu_model(root);
    const std::string clocks = root + "/sys/devices/system/clocksource/clocksource0/";
    environment.clocksource = read_line(clocks + "current_clocksource");
    environment.available_clocksources = words(read_line(clocks + "available_clocksource"));

    const std::string cpu_dir = root + "/sys/devices/system/cpu/";
    const shadowslab::CpuList online = cpu_list_or_empty(cpu_dir + "online");
    environment.online_cpus = shadowslab::format_cpu_list(online);
    environment.possible_cpus = shadowslab::format_cpu_list(cpu_list_or_empty(cpu_dir + "possible"));
    for (const std::uint32_t cpu : online) {
        const std::string dir = fmt::format("{}cpu{}/", cpu_dir, cpu);
        const std::string governor = read_line(dir + "cpufreq/scaling_governor");
        if (!governor.empty())
            environment.governors[governor].push_back(cpu);
        const shadowslab::CpuList siblings = cpu_list_or_empty(dir + "topology/thread_siblings_list");
        if (!siblings.empty())
            environment.smt_siblings[cpu] = siblings;
    }
    const std::string smt_active = read_line(cpu_dir + "smt/active");
    if (!smt_active.empty())
        environment.smt_active = smt_active == "1";
    environment.smt_control = read_line(cpu_dir + "smt/control");

    environment.cmdline = read_line(root + "/proc/cmdline");
    read_preemption(root, environment);
    environment.virtualization = virtualization(root);
    read_memcg(root, environment);
    return environment;
}

}  // namespace

EnvironmentRecorder::EnvironmentRecorder(std::string root) : root_(std::move(root)), environment_(read_static(root_))
{
    host_load_file_ = host_load_file(environment_.cmdline);
    if (!host_load_file_.empty())
        host_load_start_ = last_line(root_ + host_load_file_);
}

Environment EnvironmentRecorder::finish(const shadowslab::CpuList& busy_cpus)
{
    Environment environment = environment_;
    if (!host_load_file_.empty())
        environment.host_load = host_load_between(host_load_start_, last_line(root_ + host_load_file_));
    environment.warnings = environment_warnings(environment, busy_cpus);
    return environment;
}

Environment read_environment(const shadowslab::CpuList& busy_cpus)
{
    return EnvironmentRecorder().finish(busy_cpus);
}

std::optional<HostLoad> host_load_between(const std::string& start, const std::string& end)
{
    const auto parse = [](const std::string& line) -> std::optional<std::vector<double>> {
        std::vector<double> values;
        for (const std::string& word : words(line)) {
            try {
                values.push_back(static_cast<double>(shadowslab::parse_unsigned(word, "sample")));
            } catch (const std::invalid_argument&) {
                return std::nullopt;
            }
        }
        if (values.size() != 5)
            return std::nullopt;
        return values;
    };
    const auto first = parse(start);
    const auto last = parse(end);
    if (!first || !last || (*last)[0] <= (*first)[0] || (*last)[4] == 0)
        return std::nullopt;
    const double host_cpus = (*last)[4];
    const double busy = (*last)[1] - (*first)[1];
    const double total = (*last)[2] - (*first)[2];
    const double vm = (*last)[3] - (*first)[3];
    if (total <= 0)
        return std::nullopt;
    HostLoad load;
    load.host_cpus = static_cast<unsigned>(host_cpus);
    load.seconds = ((*last)[0] - (*first)[0]) / 1000;
    // Ticks over all CPUs: total / host_cpus ticks passed on each.
    const double ticks_per_cpu = total / host_cpus;
    load.vm_busy_cpus = vm / ticks_per_cpu;
    load.others_busy_cpus = std::max(0.0, (busy - vm) / ticks_per_cpu);
    return load;
}

std::vector<std::string> environment_warnings(const Environment& environment, const shadowslab::CpuList& busy_cpus)
{
    std::vector<std::string> warnings;
    if (environment.clocksource == "hpet" || environment.clocksource == "acpi_pm")
        warnings.push_back(fmt::format(
            "the clocksource is {}: every clock read is a slow, serialising device access, so the timestamps "
            "limit how far threads scale (tsc, or kvm-clock in a KVM guest, is what to measure with)",
            environment.clocksource));
    for (const auto& [governor, cpus] : environment.governors)
        if (governor != "performance")
            warnings.push_back(fmt::format("CPUs {} use the cpufreq governor {}, not performance: the clock "
                                           "speed may change under the measurement",
                                           shadowslab::format_cpu_list(cpus), governor));
    for (std::size_t i = 0; i < busy_cpus.size(); ++i) {
        const auto siblings = environment.smt_siblings.find(busy_cpus[i]);
        if (siblings == environment.smt_siblings.end())
            continue;
        for (std::size_t j = i + 1; j < busy_cpus.size(); ++j)
            if (std::find(siblings->second.begin(), siblings->second.end(), busy_cpus[j]) != siblings->second.end())
                warnings.push_back(fmt::format("CPUs {} and {} are SMT siblings of one core and were both busy: "
                                               "they share its execution units, so two threads there do not "
                                               "scale as two cores would",
                                               busy_cpus[i], busy_cpus[j]));
    }
    if (environment.host_load && environment.host_load->others_busy_cpus > kBusyHostThreshold)
        warnings.push_back(fmt::format(
            "the host was not idle: other work kept {:.1f} of its {} CPUs busy during the measurement (this VM "
            "{:.1f}); the guest's vCPUs are host threads, so its figures, and most of all its scaling, suffer",
            environment.host_load->others_busy_cpus, environment.host_load->host_cpus,
            environment.host_load->vm_busy_cpus));
    return warnings;
}

Json environment_to_json(const Environment& e)
{
    const auto string_or_null = [](const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); };
    const auto bool_or_null = [](std::optional<bool> value) { return value ? Json(*value) : Json(nullptr); };
    Json governors = Json::object();
    for (const auto& [governor, cpus] : e.governors)
        governors[governor] = shadowslab::format_cpu_list(cpus);
    Json host_load = nullptr;
    if (e.host_load)
        host_load = {{"host_cpus", e.host_load->host_cpus},
                     {"seconds", e.host_load->seconds},
                     {"others_busy_cpus", e.host_load->others_busy_cpus},
                     {"vm_busy_cpus", e.host_load->vm_busy_cpus}};
    std::vector<std::string> sibling_groups;
    for (const auto& [cpu, siblings] : e.smt_siblings)
        if (siblings.size() > 1 && siblings.front() == cpu)
            sibling_groups.push_back(shadowslab::format_cpu_list(siblings));
    return {
        {"kernel_release", e.kernel_release},
        {"kernel_version", e.kernel_version},
        {"machine", e.machine},
        {"cpu_model", string_or_null(e.cpu_model)},
        {"possible_cpus", string_or_null(e.possible_cpus)},
        {"online_cpus", string_or_null(e.online_cpus)},
        {"clocksource", string_or_null(e.clocksource)},
        {"available_clocksources", e.available_clocksources},
        {"governors", e.governors.empty() ? Json(nullptr) : governors},
        {"smt", {{"active", bool_or_null(e.smt_active)}, {"control", string_or_null(e.smt_control)},
                 {"sibling_groups", sibling_groups}}},
        {"preemption", string_or_null(e.preemption)},
        {"preemption_source", string_or_null(e.preemption_source)},
        {"virtualization", string_or_null(e.virtualization)},
        {"cmdline", e.cmdline},
        {"memcg", {{"enabled", bool_or_null(e.memcg_enabled)}, {"cgroup", string_or_null(e.memcg_path)},
                   {"limit", string_or_null(e.memcg_limit)}, {"kmem", bool_or_null(e.memcg_kmem)}}},
        {"host_load", host_load},
        {"warnings", e.warnings},
    };
}

std::string format_environment(const Environment& e)
{
    const auto or_unknown = [](const std::string& text) { return text.empty() ? std::string("unknown") : text; };
    std::string governors;
    for (const auto& [governor, cpus] : e.governors)
        governors += fmt::format("{}{} (CPUs {})", governors.empty() ? "" : ", ", governor,
                                 shadowslab::format_cpu_list(cpus));
    std::string smt = e.smt_active ? (*e.smt_active ? "active" : "inactive") : "unknown";
    if (!e.smt_control.empty())
        smt += fmt::format(" ({})", e.smt_control);
    std::string memcg = e.memcg_enabled ? (*e.memcg_enabled ? "enabled" : "disabled") : "unknown";
    if (e.memcg_enabled.value_or(false)) {
        memcg += fmt::format(", cgroup {}, limit {}", or_unknown(e.memcg_path), or_unknown(e.memcg_limit));
        if (e.memcg_kmem && !*e.memcg_kmem)
            memcg += ", nokmem";
    }
    std::string text;
    text += fmt::format("kernel        {} {} ({})\n", e.kernel_release, e.kernel_version, e.machine);
    text += fmt::format("CPUs          {} online of {} possible; {}\n", or_unknown(e.online_cpus),
                        or_unknown(e.possible_cpus), or_unknown(e.cpu_model));
    text += fmt::format("clocksource   {}\n", or_unknown(e.clocksource));
    text += fmt::format("governor      {}\n", governors.empty() ? "none (no cpufreq)" : governors);
    text += fmt::format("SMT           {}\n", smt);
    text += fmt::format("preemption    {}\n", or_unknown(e.preemption));
    text += fmt::format("virtualised   {}\n", or_unknown(e.virtualization));
    text += fmt::format("memcg         {}\n", memcg);
    if (e.host_load)
        text += fmt::format("host load     others {:.2f} of {} CPUs, this VM {:.2f}, over {:.0f} s\n",
                            e.host_load->others_busy_cpus, e.host_load->host_cpus, e.host_load->vm_busy_cpus,
                            e.host_load->seconds);
    return text;
}

std::string format_warnings(const std::vector<std::string>& warnings)
{
    std::string text;
    for (const std::string& warning : warnings)
        text += fmt::format("warning: {}\n", warning);
    return text;
}

}  // namespace shadowctl
