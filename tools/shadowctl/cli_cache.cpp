#include "cli_commands.hpp"
#include "cli_helpers.hpp"

namespace shadowctl::cli {

namespace {

CLI::Option* add_cache_id(CLI::App& command, std::uint32_t& id)
{
    return add_unsigned(command, "ID", id, 0, UINT32_MAX, "Cache id, as printed by `create` or `list`")
        ->type_name("")
        ->required();
}

void add_create(CLI::App& cache, Options& options)
{
    CacheCreateOptions& create = options.cache_create;
    CLI::App* command = cache.add_subcommand(
        "create",
        "Create a shadow cache and print its id.\n\n"
        "The cache holds objects of the profile's type.  Its constructor "
        "allocates each object's percpu regions once; they stay attached while the object sits "
        "in a magazine, the depot or a slab, and are freed by the destructor when a slab is "
        "released.");
    add_profile_options(*command, create.config.profile);
    add_unsigned(*command, "--magazine-size", create.config.magazine_size, 1, SHADOWSLAB_MAGAZINE_SIZE_MAX,
                 "Objects per magazine, 1..255 (default: the module's)");
    command->add_flag("--deferred-dtor", create.config.deferred_dtor,
                      "Run destructors (and so free_percpu()) from a workqueue instead of the context "
                      "that releases the slab");
    add_parsed(
        *command, "--name",
        [&create](const std::string& name) {
            if (name.size() >= SHADOWSLAB_NAME_LEN)
                throw std::invalid_argument(
                    fmt::format("'{}' is longer than {} bytes", name, SHADOWSLAB_NAME_LEN - 1));
            if (name.find('\0') != std::string::npos)
                throw std::invalid_argument("contains a NUL byte");
            create.config.name = name;
        },
        "A label shown by `list` and `stats` (at most 31 bytes)")
        ->type_name("NAME");
    command->add_flag("--json", create.json, "Print {\"id\": ID} instead of the bare id");
    command->callback([&options, &create] {
        options.command = Command::cache_create;
        check_profile(create.config.profile);
    });
}

void add_alloc(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "alloc",
        "Allocate N objects and hold them in the module.\n\n"
        "Objects come from the CPU's magazine, the depot or a slab, running constructors "
        "(and their percpu allocations) for objects not already constructed.  A failing "
        "constructor stops early; the objects allocated so far stay held.");
    add_cache_id(*command, options.cache_alloc.id);
    add_unsigned(*command, "N", options.cache_alloc.count, 1, UINT32_MAX, "Number of objects")
        ->type_name("")
        ->required();
    command->callback([&options] { options.command = Command::cache_alloc; });
}

void add_free(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "free",
        "Give held objects back to the cache.\n\n"
        "Frees N objects (default: all of them) held by alloc.  They stay constructed, "
        "percpu memory included, in magazines, the depot or their slabs until a shrink releases "
        "the slabs.");
    add_cache_id(*command, options.cache_free.id);
    add_unsigned(*command, "N", options.cache_free.count, 1, UINT32_MAX, "Number of objects (default: all)")
        ->type_name("");
    command->callback([&options] { options.command = Command::cache_free; });
}

void add_shrink(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "shrink",
        "Release free slabs, as the shrinker would.\n\n"
        "Releases the cache's free slabs as its shrinker does under memory pressure: their "
        "objects are destroyed and their percpu memory freed.  Objects cached in magazines or "
        "the depot keep their slabs busy unless --purge is given.");
    add_cache_id(*command, options.cache_shrink.id);
    command->add_flag("--purge", options.cache_shrink.purge,
                      "First empty every CPU's magazines and the whole depot back into the slabs");
    command->callback([&options] { options.command = Command::cache_shrink; });
}

void add_destroy(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "destroy",
        "Destroy a cache.\n\n"
        "Destroys the cache and every cached object, then checks the final balance: every "
        "object a constructor built must have met its destructor (exit status 1 if not).  "
        "Fails (EBUSY) while objects are held: run `shadowctl cache free ID` first.");
    add_cache_id(*command, options.cache_destroy.id);
    command->callback([&options] { options.command = Command::cache_destroy; });
}

void add_stats(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "stats",
        "Show a cache's counters.\n\n"
        "Shows constructor/destructor calls, slabs, where the constructed "
        "objects are (in use, magazines, depot, free in slabs), the percpu memory they own, "
        "magazine hit rate and depot contention, reclaim, and injected faults.");
    add_cache_id(*command, options.cache_stats.id);
    command->add_flag("--json", options.cache_stats.json, "Print one JSON object instead of text");
    command->callback([&options] { options.command = Command::cache_stats; });
}

void add_list(CLI::App& cache, Options& options)
{
    CLI::App* command = cache.add_subcommand(
        "list", "List the caches.\n\nShows id, name, profile, objects in use and the percpu memory they own.");
    command->add_flag("--json", options.cache_list.json, "Print a JSON array instead of a table");
    command->callback([&options] { options.command = Command::cache_list; });
}

void add_fault(CLI::App& cache, Options& options)
{
    CacheFaultOptions& fault = options.cache_fault;
    CLI::App* command = cache.add_subcommand(
        "fault",
        "Inject constructor failures.\n\n"
        "Makes the cache's constructor fail on purpose, as a failing pcpu_alloc() would under "
        "memory pressure, to exercise the rollback paths.  Prints how many faults were injected "
        "so far.");
    add_cache_id(*command, fault.id);
    CLI::Option* every = add_unsigned(*command, "--every", fault.fault.nth, 1, UINT32_MAX,
                                      "Fail every Nth constructor call");
    CLI::Option* probability =
        add_unsigned(*command, "--probability", fault.fault.probability_ppm, 0, shadowslab::kMaxProbabilityPpm,
                     "Fail constructor calls at random, PPM in a million")
            ->type_name("PPM");
    CLI::Option* seed = add_unsigned(*command, "--seed", fault.fault.seed, 0, UINT64_MAX,
                                     "Seed for --probability, for a repeatable sequence (default 0)")
                            ->type_name("S");
    CLI::Option* off = command->add_flag("--off")->description("Stop injecting faults");
    every->excludes(probability)->excludes(off);
    probability->excludes(off);
    seed->needs(probability);
    command->callback([&options, command, &fault] {
        options.command = Command::cache_fault;
        if (command->count("--every"))
            fault.fault.mode = shadowslab::FaultMode::every_nth;
        else if (command->count("--probability"))
            fault.fault.mode = shadowslab::FaultMode::probability;
        else if (command->count("--off"))
            fault.fault.mode = shadowslab::FaultMode::off;
        else
            throw CLI::RequiredError("fault: one of --every N, --probability PPM or --off");
    });
}

}  // namespace

void add_cache_commands(CLI::App& app, Options& options)
{
    CLI::App* cache = app.add_subcommand(
        "cache",
        "Create, fill, drain, shrink and inspect shadow caches by hand.\n\n"
        "A shadow cache is a constructor/destructor object cache (Bonwick slab plus per-CPU "
        "magazines and a depot) whose objects own percpu memory allocated once by the constructor "
        "and freed by the destructor only when a slab is released.");
    cache->require_subcommand(1);
    add_create(*cache, options);
    add_alloc(*cache, options);
    add_free(*cache, options);
    add_shrink(*cache, options);
    add_destroy(*cache, options);
    add_stats(*cache, options);
    add_list(*cache, options);
    add_fault(*cache, options);
}

}  // namespace shadowctl::cli
