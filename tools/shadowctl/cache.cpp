// shadowctl cache: see the subcommands' --help below.
//
// Every subcommand prints one line, or with --json one document: stats and
// list their own schemas, the others shadowslab-cache-op/1, an object
// naming the operation and what it did.

#include "cache.hpp"

#include <cerrno>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/exit_status.hpp"
#include "common/options.hpp"
#include "common/table.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "cache",
    "Create, fill, drain, shrink and inspect shadow caches by hand.\n\n"
    "A shadow cache is a constructor/destructor object cache (Bonwick slab plus per-CPU "
    "magazines and a depot) whose objects own percpu memory allocated once by the constructor "
    "and freed by the destructor only when a slab is released.",
    "",
    nullptr, 1};

std::string percent(std::uint64_t part, std::uint64_t whole)
{
    return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

// A shadowslab-cache-op/1 document: schema, operation, id, then `fields`.
Json operation_json(std::string_view operation, std::uint32_t id, Json fields)
{
    Json document = {{"schema", schema_name("cache-op", 1)}, {"operation", operation}, {"id", id}};
    document.update(fields);
    return document;
}

std::string fault_mode_name(shadowslab::FaultMode mode)
{
    switch (mode) {
    case shadowslab::FaultMode::every_nth:
        return "every_nth";
    case shadowslab::FaultMode::probability:
        return "probability";
    case shadowslab::FaultMode::off:
        break;
    }
    return "off";
}

// ----------------------------------------------------------------- actions

int do_create(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const std::uint32_t id = device.cache_create(options.config);
    emit(invocation.output, fmt::format("{}\n", id), operation_json("create", id, Json::object()));
    return kExitOk;
}

int do_alloc(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const shadowslab::ObjectCount result = device.cache_alloc(options.id, options.count);
    if (result.done < options.count)
        fmt::print(stderr, "shadowctl: warning: a constructor failed after {} objects (injected fault or out of "
                           "memory)\n",
                   result.done);
    emit(invocation.output, fmt::format("allocated {} of {} objects; {} held\n", result.done, options.count, result.held),
         operation_json("alloc", options.id,
                        {{"requested", options.count}, {"done", result.done}, {"held", result.held}}));
    return kExitOk;
}

int do_free(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const shadowslab::ObjectCount result = device.cache_free(options.id, options.count);
    emit(invocation.output, fmt::format("freed {} objects; {} still held\n", result.done, result.held),
         operation_json("free", options.id,
                        {{"requested", options.count}, {"done", result.done}, {"held", result.held}}));
    return kExitOk;
}

int do_shrink(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const shadowslab::ShrinkResult result = device.cache_shrink(options.id, options.purge);
    emit(invocation.output,
         fmt::format("released {} slabs, destroying {} objects\n", result.slabs_released, result.objects_released),
         operation_json("shrink", options.id,
                        {{"purge", options.purge},
                         {"slabs_released", result.slabs_released},
                         {"objects_released", result.objects_released}}));
    return kExitOk;
}

int do_destroy(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const shadowslab::DestroyResult result = device.cache_destroy(options.id);
    emit(invocation.output,
         fmt::format("destroyed cache {}: {} constructor calls ({} failed), {} destructor calls\n", options.id,
                     result.ctor_calls, result.ctor_failures, result.dtor_calls),
         operation_json("destroy", options.id,
                        {{"ctor_calls", result.ctor_calls},
                         {"ctor_failures", result.ctor_failures},
                         {"dtor_calls", result.dtor_calls},
                         {"balanced", result.balanced()}}));
    if (!result.balanced()) {
        fmt::print(stderr, "shadowctl: cache {} leaked: {} constructed objects were never destroyed\n", options.id,
                   static_cast<std::int64_t>(result.ctor_calls - result.ctor_failures - result.dtor_calls));
        return kExitFailure;
    }
    return kExitOk;
}

int do_stats(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    const shadowslab_cache_stats stats = device.cache_stats(options.id);
    emit(invocation.output, format_cache_stats(stats), cache_stats_to_json(stats));
    return kExitOk;
}

int do_list(const Invocation& invocation, const CacheOptions&)
{
    const shadowslab::Device device(invocation.device_path);
    std::vector<CacheListEntry> caches;
    for (const std::uint32_t id : device.cache_list()) {
        try {
            caches.push_back(list_entry(device.cache_stats(id)));
        } catch (const std::system_error& error) {
            // Destroyed by someone else since LIST: no longer part of the list.
            if (error.code().value() != ENOENT)
                throw;
        }
    }
    emit(invocation.output, format_cache_list(caches), cache_list_to_json(caches));
    return kExitOk;
}

int do_fault(const Invocation& invocation, const CacheOptions& options)
{
    const shadowslab::FaultSetting& fault = options.fault;
    const shadowslab::Device device(invocation.device_path);
    const std::uint64_t injected = device.cache_fault(options.id, fault);
    std::string text;
    switch (fault.mode) {
    case shadowslab::FaultMode::off:
        text = "fault injection off";
        break;
    case shadowslab::FaultMode::every_nth:
        text = fmt::format("failing one constructor call in every {}", fault.nth);
        break;
    case shadowslab::FaultMode::probability:
        text = fmt::format("failing constructor calls with probability {} ppm (seed {})", fault.probability_ppm,
                           fault.seed);
        break;
    }
    emit(invocation.output, fmt::format("{}; {} faults injected so far\n", text, injected),
         operation_json("fault", options.id,
                        {{"mode", fault_mode_name(fault.mode)},
                         {"nth", fault.nth},
                         {"probability_ppm", fault.probability_ppm},
                         {"seed", fault.seed},
                         {"faults_injected", injected}}));
    return kExitOk;
}

// ------------------------------------------------------------- subcommands

void add_create_options(CLI::App& command, CacheOptions& options)
{
    shadowslab::CacheConfig& config = options.config;
    add_profile_options(command, config.profile);
    add_unsigned(command, "--magazine-size", config.magazine_size, 1, SHADOWSLAB_MAGAZINE_SIZE_MAX,
                 "Objects per magazine, 1..255 (default: the module's)");
    command.add_flag("--deferred-dtor", config.deferred_dtor,
                     "Run destructors (and so free_percpu()) from a workqueue instead of the context "
                     "that releases the slab");
    add_parsed(
        command, "--name",
        [&config](const std::string& name) {
            if (name.size() >= SHADOWSLAB_NAME_LEN)
                throw std::invalid_argument(
                    fmt::format("'{}' is longer than {} bytes", name, SHADOWSLAB_NAME_LEN - 1));
            if (name.find('\0') != std::string::npos)
                throw std::invalid_argument("contains a NUL byte");
            config.name = name;
        },
        "A label shown by `list` and `stats` (at most 31 bytes)")
        ->type_name("NAME");
}

void check_create(const CLI::App&, CacheOptions& options)
{
    check_profile(options.config.profile);
}

void add_alloc_options(CLI::App& command, CacheOptions& options)
{
    add_unsigned(command, "N", options.count, 1, UINT32_MAX, "Number of objects")->type_name("")->required();
}

void add_free_options(CLI::App& command, CacheOptions& options)
{
    add_unsigned(command, "N", options.count, 1, UINT32_MAX, "Number of objects (default: all)")->type_name("");
}

void add_shrink_options(CLI::App& command, CacheOptions& options)
{
    command.add_flag("--purge", options.purge,
                     "First empty every CPU's magazines and the whole depot back into the slabs");
}

void add_fault_options(CLI::App& command, CacheOptions& options)
{
    shadowslab::FaultSetting& fault = options.fault;
    CLI::Option* every = add_unsigned(command, "--every", fault.nth, 1, UINT32_MAX, "Fail every Nth constructor call");
    CLI::Option* probability =
        add_unsigned(command, "--probability", fault.probability_ppm, 0, shadowslab::kMaxProbabilityPpm,
                     "Fail constructor calls at random, PPM in a million")
            ->type_name("PPM");
    CLI::Option* seed = add_unsigned(command, "--seed", fault.seed, 0, UINT64_MAX,
                                     "Seed for --probability, for a repeatable sequence (default 0)")
                            ->type_name("S");
    CLI::Option* off = command.add_flag("--off")->description("Stop injecting faults");
    every->excludes(probability)->excludes(off);
    probability->excludes(off);
    seed->needs(probability);
}

void check_fault(const CLI::App& command, CacheOptions& options)
{
    if (command.count("--every"))
        options.fault.mode = shadowslab::FaultMode::every_nth;
    else if (command.count("--probability"))
        options.fault.mode = shadowslab::FaultMode::probability;
    else if (command.count("--off"))
        options.fault.mode = shadowslab::FaultMode::off;
    else
        throw CLI::RequiredError("fault: one of --every N, --probability PPM or --off");
}

// One cache subcommand: what --help says, what it takes and what it does.
struct CacheSubcommand {
    const char* name;
    const char* description;
    bool takes_id;
    const char* schema;  // of its document
    SubcommandAction<CacheOptions> action;
    void (*add_options)(CLI::App& command, CacheOptions& options);
    void (*check)(const CLI::App& command, CacheOptions& options);
};

const CacheSubcommand kSubcommands[] = {
    {"create",
     "Create a shadow cache and print its id.\n\n"
     "The cache holds objects of the profile's type.  Its constructor allocates each object's percpu regions "
     "once; they stay attached while the object sits in a magazine, the depot or a slab, and are freed by the "
     "destructor when a slab is released.",
     false, "cache-op", do_create, add_create_options, check_create},
    {"alloc",
     "Allocate N objects and hold them in the module.\n\n"
     "Objects come from the CPU's magazine, the depot or a slab, running constructors (and their percpu "
     "allocations) for objects not already constructed.  A failing constructor stops early; the objects "
     "allocated so far stay held.",
     true, "cache-op", do_alloc, add_alloc_options, nullptr},
    {"free",
     "Give held objects back to the cache.\n\n"
     "Frees N objects (default: all of them) held by alloc.  They stay constructed, percpu memory included, in "
     "magazines, the depot or their slabs until a shrink releases the slabs.",
     true, "cache-op", do_free, add_free_options, nullptr},
    {"shrink",
     "Release free slabs, as the shrinker would.\n\n"
     "Releases the cache's free slabs as its shrinker does under memory pressure: their objects are destroyed "
     "and their percpu memory freed.  Objects cached in magazines or the depot keep their slabs busy unless "
     "--purge is given.",
     true, "cache-op", do_shrink, add_shrink_options, nullptr},
    {"destroy",
     "Destroy a cache.\n\n"
     "Destroys the cache and every cached object, then checks the final balance: every object a constructor "
     "built must have met its destructor (exit status 1 if not).  Fails (EBUSY) while objects are held: run "
     "`shadowctl cache free ID` first.",
     true, "cache-op", do_destroy, nullptr, nullptr},
    {"stats",
     "Show a cache's counters.\n\n"
     "Shows constructor/destructor calls, slabs, where the constructed objects are (in use, magazines, depot, "
     "free in slabs), the percpu memory they own, magazine hit rate and depot contention, reclaim, and "
     "injected faults.",
     true, "cache-stats", do_stats, nullptr, nullptr},
    {"list", "List the caches.\n\nShows id, name, profile, objects in use and the percpu memory they own.", false,
     "cache-list", do_list, nullptr, nullptr},
    {"fault",
     "Inject constructor failures.\n\n"
     "Makes the cache's constructor fail on purpose, as a failing pcpu_alloc() would under memory pressure, to "
     "exercise the rollback paths.  Prints how many faults were injected so far.",
     true, "cache-op", do_fault, add_fault_options, check_fault},
};

void add_subcommand(CLI::App& cache, Invocation& invocation, const std::shared_ptr<CacheOptions>& options,
                    const CacheSubcommand& subcommand)
{
    CLI::App* command = cache.add_subcommand(subcommand.name, subcommand.description);
    if (subcommand.takes_id)
        add_unsigned(*command, "ID", options->id, 0, UINT32_MAX, "Cache id, as printed by `create` or `list`")
            ->type_name("")
            ->required();
    if (subcommand.add_options)
        subcommand.add_options(*command, *options);
    command->footer(schema_help(subcommand.schema, 1));
    const auto check = subcommand.check;
    on_parse<CacheOptions>(*command, invocation, options, subcommand.action, [command, check](CacheOptions& parsed) {
        if (check)
            check(*command, parsed);
    });
}

}  // namespace

void add_cache_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<CacheOptions> options)
{
    CLI::App* cache = add_subcommand(parent, kHelp);
    cache->require_subcommand(1);
    for (const CacheSubcommand& subcommand : kSubcommands)
        add_subcommand(*cache, invocation, options, subcommand);
}

namespace {

const SubcommandRegistration registration{"cache", add_cache_command};

}  // namespace

std::string format_cache_stats(const shadowslab_cache_stats& s)
{
    const auto flags = shadowslab::cache_flag_names(s.flags);
    const std::string name = shadowslab::fixed_string(s.name);

    std::string text;
    text += fmt::format("cache {}{}, {}\n", s.id, name.empty() ? "" : fmt::format(" \"{}\"", name),
                        shadowslab::describe(shadowslab::from_abi(s.spec)));
    text += fmt::format("  flags            {}\n", flags.empty() ? "none" : fmt::format("{}", fmt::join(flags, ", ")));
    text += fmt::format("  objects          {} B, stride {} B, {} per slab (order {})\n", s.object_size,
                        s.object_stride, s.objs_per_slab, s.slab_order);
    text += "constructor/destructor\n";
    text += fmt::format("  ctor calls       {} ({} failed)\n", s.ctor_calls, s.ctor_failures);
    text += fmt::format("  dtor calls       {}\n", s.dtor_calls);
    text += "slabs\n";
    text += fmt::format("  current          {}\n", s.slabs_current);
    text += fmt::format("  allocated        {}\n", s.slabs_allocated);
    text += fmt::format("  released         {}\n", s.slabs_released);
    text += "constructed objects\n";
    text += fmt::format("  in use           {} (held by ALLOC: {})\n", s.objs_in_use, s.objs_held);
    text += fmt::format("  in magazines     {}\n", s.objs_in_magazines);
    text += fmt::format("  in depot         {} ({} full magazines, {} empty)\n", s.objs_in_depot,
                        s.depot_full_magazines, s.depot_empty_magazines);
    text += fmt::format("  free in slabs    {}\n", s.objs_free_in_slabs);
    text += "percpu memory\n";
    text += fmt::format("  owned            {}, summed over CPUs\n", bytes(s.percpu_bytes));
    text += "magazines\n";
    text += fmt::format("  size             {}\n", s.magazine_size);
    text += fmt::format("  hits             {} ({} of lookups)\n", s.magazine_hits,
                        percent(s.magazine_hits, s.magazine_hits + s.magazine_misses));
    text += fmt::format("  misses           {}\n", s.magazine_misses);
    text += fmt::format("  depot contention {}\n", s.depot_contention);
    text += "reclaim\n";
    text += fmt::format("  shrinker scans   {} ({} objects released)\n", s.shrinker_scans,
                        s.shrinker_objects_released);
    text += fmt::format("  deferred dtors   {} pending\n", s.deferred_dtor_pending);
    text += "faults\n";
    text += fmt::format("  injected         {}\n", s.faults_injected);
    return text;
}

Json cache_stats_to_json(const shadowslab_cache_stats& s)
{
    const shadowslab::ProfileSpec spec = shadowslab::from_abi(s.spec);
    return {
        {"schema", schema_name("cache-stats", 1)},
        {"id", s.id},
        {"name", shadowslab::fixed_string(s.name)},
        {"profile", shadowslab::to_string(spec.profile)},
        {"spec", profile_to_json(spec)},
        {"flags", shadowslab::cache_flag_names(s.flags)},
        {"object_size", s.object_size},
        {"object_stride", s.object_stride},
        {"objs_per_slab", s.objs_per_slab},
        {"slab_order", s.slab_order},
        {"magazine_size", s.magazine_size},
        {"ctor_calls", s.ctor_calls},
        {"ctor_failures", s.ctor_failures},
        {"dtor_calls", s.dtor_calls},
        {"slabs_allocated", s.slabs_allocated},
        {"slabs_released", s.slabs_released},
        {"slabs_current", s.slabs_current},
        {"objs_in_use", s.objs_in_use},
        {"objs_in_magazines", s.objs_in_magazines},
        {"objs_in_depot", s.objs_in_depot},
        {"objs_free_in_slabs", s.objs_free_in_slabs},
        {"objs_held", s.objs_held},
        {"depot_full_magazines", s.depot_full_magazines},
        {"depot_empty_magazines", s.depot_empty_magazines},
        {"percpu_bytes", s.percpu_bytes},
        {"magazine_hits", s.magazine_hits},
        {"magazine_misses", s.magazine_misses},
        {"depot_contention", s.depot_contention},
        {"shrinker_scans", s.shrinker_scans},
        {"shrinker_objects_released", s.shrinker_objects_released},
        {"deferred_dtor_pending", s.deferred_dtor_pending},
        {"faults_injected", s.faults_injected},
    };
}

CacheListEntry list_entry(const shadowslab_cache_stats& stats)
{
    return {stats.id, shadowslab::fixed_string(stats.name),
            shadowslab::to_string(static_cast<shadowslab::Profile>(stats.spec.profile)), stats.objs_in_use,
            stats.percpu_bytes};
}

std::string format_cache_list(const std::vector<CacheListEntry>& caches)
{
    if (caches.empty())
        return "no caches\n";
    using Align = TextTable::Align;
    TextTable table({{"ID", Align::right},
                     {"NAME", Align::left},
                     {"PROFILE", Align::left},
                     {"IN USE", Align::right},
                     {"PERCPU BYTES", Align::right}});
    for (const CacheListEntry& cache : caches)
        table.add_row({fmt::format("{}", cache.id), cache.name.empty() ? "-" : cache.name, cache.profile,
                       fmt::format("{}", cache.objs_in_use), fmt::format("{}", cache.percpu_bytes)});
    return table.render();
}

Json cache_list_to_json(const std::vector<CacheListEntry>& caches)
{
    Json list = Json::array();
    for (const CacheListEntry& cache : caches)
        list.push_back({{"id", cache.id},
                        {"name", cache.name},
                        {"profile", cache.profile},
                        {"objs_in_use", cache.objs_in_use},
                        {"percpu_bytes", cache.percpu_bytes}});
    return {{"schema", schema_name("cache-list", 1)}, {"caches", list}};
}

}  // namespace shadowctl
