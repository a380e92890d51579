#include "common/options.hpp"

#include <algorithm>
#include <system_error>

#include "common/exit_status.hpp"
#include "shadowslab/error.hpp"

namespace shadowctl {

namespace {

// The online CPUs from sysfs, with a hint to use --cpus if unreadable.
shadowslab::CpuList read_online_cpus()
{
    try {
        return shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath);
    } catch (const std::system_error& error) {
        throw shadowslab::OperationError(error.code().value(),
                                         std::string("read online CPUs from ") + shadowslab::kOnlineCpusPath,
                                         "is sysfs mounted? Otherwise name the CPUs with --cpus");
    }
}

// --cpus must name online CPUs.  Checked here to name the offender (the
// module would only say EINVAL); skipped if sysfs cannot be read, since the
// module checks anyway.
void check_cpus_online(const shadowslab::CpuList& cpus)
{
    shadowslab::CpuList online;
    try {
        online = shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath);
    } catch (const std::exception&) {
        return;
    }
    for (const std::uint32_t cpu : cpus)
        if (std::find(online.begin(), online.end(), cpu) == online.end())
            throw UsageError(fmt::format("--cpus: CPU {} is not online (online: {})", cpu,
                                         shadowslab::format_cpu_list(online)));
}

}  // namespace

CLI::Option* add_duration(CLI::App& app, const std::string& name, std::uint64_t& target_ns, const std::string& help,
                          std::function<void()> then)
{
    return add_parsed(
               app, name,
               [&target_ns, then](const std::string& text) {
                   const std::uint64_t ns = shadowslab::parse_duration(text, "duration");
                   if (ns > shadowslab::kMaxRunDurationNs)
                       throw std::invalid_argument(
                           fmt::format("at most {} s", shadowslab::kMaxRunDurationNs / 1'000'000'000));
                   target_ns = ns;
                   if (then)
                       then();
               },
               help)
        ->type_name("TIME");
}

shadowslab::CpuList CpuChoice::resolve() const
{
    if (cpus) {
        check_cpus_online(*cpus);
        return *cpus;
    }
    const shadowslab::CpuList online = read_online_cpus();
    if (!threads)
        return online;
    try {
        return shadowslab::first_cpus(online, *threads);
    } catch (const std::invalid_argument& error) {
        throw UsageError(error.what());
    }
}

void add_cpu_options(CLI::App& app, CpuChoice& choice, const std::string& what, const std::string& default_note)
{
    CLI::Option* threads = add_parsed(
        app, "--threads",
        [&choice, what](const std::string& text) {
            const auto count = shadowslab::parse_unsigned(text, what + " count", shadowslab::kMaxCpuId + 1);
            if (count == 0)
                throw std::invalid_argument(fmt::format("at least one {} is needed", what));
            choice.threads = static_cast<unsigned>(count);
        },
        fmt::format("Number of {}s, pinned to the first N online CPUs{}", what, default_note));
    threads->type_name("N");
    CLI::Option* cpus = add_parsed(
        app, "--cpus", [&choice](const std::string& text) { choice.cpus = shadowslab::parse_cpu_list(text); },
        fmt::format("Or: the CPUs to run on, one {} each, as a cpulist (e.g. 0-3,5); they must be online", what));
    cpus->type_name("LIST");
    threads->excludes(cpus);
}

shadowslab::RunRequest WorkloadOptions::request(shadowslab::Strategy strategy, shadowslab::CpuList cpus) const
{
    shadowslab::RunRequest request;
    request.strategy = strategy;
    request.profile = profile;
    request.cpus = std::move(cpus);
    request.cycles = cycles;
    request.duration_ns = duration_ns;
    request.warmup_cycles = warmup_cycles;
    request.magazine_size = magazine_size;
    request.sample_shift = sample_shift;
    model.apply(request);
    return request;
}

void add_profile_options(CLI::App& app, shadowslab::ProfileSpec& spec)
{
    add_parsed(
        app, "--profile", [&spec](const std::string& text) { spec.profile = shadowslab::parse_profile(text); },
        "The object type and the percpu memory it owns:\n"
        "  kernel     what this kernel's mm_init() allocates (shadowctl info\n"
        "             shows it; before 6.2, none: then mm-6.6 as a what-if)\n"
        "  mm-6.6     rss_stat block + mm_cid (6.6+)\n"
        "  mm-6.4     4 rss_stat counters + mm_cid\n"
        "  mm-6.2     4 rss_stat counters\n"
        "  tc_action  a tc action's 3 stats regions\n"
        "  custom     the --region list")
        ->type_name("PROFILE")
        ->default_str("kernel");
    add_unsigned(app, "--object-size", spec.object_size, 0, UINT32_MAX,
                 "Object size in bytes (default: the profile's, e.g. sizeof(struct mm_struct))");
    app.add_option_function<std::vector<std::string>>(
           "--region",
           [&spec](const std::vector<std::string>& texts) {
               for (const std::string& text : texts) {
                   try {
                       spec.regions.push_back(shadowslab::parse_region(text));
                   } catch (const std::invalid_argument& error) {
                       throw CLI::ValidationError("--region", error.what());
                   }
               }
           },
           "With --profile custom: a percpu region the constructor allocates, SIZE bytes per CPU "
           "(1..32768) aligned to ALIGN (power of two, default natural); repeat for up to 8 regions")
        ->type_name("SIZE[:ALIGN]");
}

void check_profile(const shadowslab::ProfileSpec& spec)
{
    try {
        shadowslab::validate(spec);
    } catch (const std::invalid_argument& error) {
        throw CLI::ValidationError(error.what());
    }
}

void add_workload_options(CLI::App& app, WorkloadOptions& workload, const std::string& duration_note)
{
    add_profile_options(app, workload.profile);

    // Whichever is given switches the other off, which also overrides a
    // default length.
    CLI::Option* cycles = add_parsed(
        app, "--cycles",
        [&workload](const std::string& text) {
            workload.cycles = shadowslab::parse_unsigned(text, "cycles", shadowslab::kMaxRunCycles);
            if (workload.cycles == 0)
                throw std::invalid_argument("must be at least 1");
            workload.duration_ns = 0;
        },
        "Timed alloc/free cycles per thread");
    cycles->type_name("N");
    CLI::Option* duration = add_duration(
        app, "--duration", workload.duration_ns,
        "Or: length of the timed phase, e.g. 500ms, 2s, 1m (a bare number is seconds)" + duration_note,
        [&workload] { workload.cycles = 0; });
    cycles->excludes(duration);

    add_unsigned(app, "--warmup", workload.warmup_cycles, 0, shadowslab::kMaxRunCycles,
                 "Untimed cycles per thread before timing starts, so the ctor strategy's magazines "
                 "and depot are filled and the timed phase sees the steady state")
        ->default_str(std::to_string(workload.warmup_cycles));
    add_unsigned(app, "--magazine-size", workload.magazine_size, 1, SHADOWSLAB_MAGAZINE_SIZE_MAX,
                 "ctor strategy: objects per magazine, 1..255 (default: the module's)");
    add_unsigned(app, "--sample-shift", workload.sample_shift, 0, shadowslab::kMaxRunSampleShift,
                 "Time one cycle in 2^K for the ns/cycle histogram (0..16, default 0: every cycle); "
                 "a larger K lowers the clock-read overhead inside the timed loop")
        ->type_name("K");
}

void add_model_options(CLI::App& app, ModelOptions& model)
{
    app.add_flag("--check,!--no-check", model.check,
                 "Verify at every release that the object's percpu counters sum to zero, as check_mm() does "
                 "on every __mmdrop(); on by default, --no-check turns it off (failures are counted)");
    add_unsigned(app, "--live", model.live, 1, shadowslab::kMaxRunLive,
                 "Objects each thread keeps in flight: a cycle gets a new one and releases the oldest "
                 "(1..65536; default 1: release what was just got)")
        ->default_str("1");
    app.add_flag("--remote-free", model.remote_free,
                 "Release each object on the next thread's CPU, as an mm freed on another CPU (with one "
                 "thread: locally)");
    app.add_flag("--no-magazines", model.no_magazines,
                 "ctor, cache: the shadow cache without its magazine layer, each CPU allocating from a slab "
                 "of its own and freeing to the object's slab, as SLUB does without percpu sheaves (6.1 to "
                 "6.17, where the RFC ran)");
    add_parsed(
        app, "--retain", [&model](const std::string& text) { model.retain = shadowslab::parse_retention(text); },
        "ctor, cache: what the shadow cache keeps: all (every slab, constructed, until the run ends) or "
        "partial:N (SLUB's min_partial: a slab emptied on the free path is released there, destructors "
        "and all, once N partial or empty slabs are kept)")
        ->type_name("all|partial:N")
        ->default_str(shadowslab::to_string(shadowslab::Retention{}));
    add_parsed(
        app, "--mt-fraction",
        [&model](const std::string& text) { model.mt_fraction_ppm = shadowslab::parse_fraction_ppm(text, "fraction"); },
        "lazy: the share of cycles whose object goes multi-threaded, allocating its percpu counters then "
        "(0..1)")
        ->type_name("F")
        ->default_str("0.1");
}

void check_workload(const CLI::App& app, const WorkloadOptions& workload, bool length_required)
{
    check_profile(workload.profile);
    if (length_required)
        require_one_of(app, "--cycles", "--duration");
}

void require_one_of(const CLI::App& app, const std::string& first, const std::string& second)
{
    if (app.count(first) == 0 && app.count(second) == 0)
        throw CLI::RequiredError(fmt::format("{}: one of {} or {}", app.get_name(), first, second));
}

}  // namespace shadowctl
