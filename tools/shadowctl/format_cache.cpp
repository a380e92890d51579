#include "format_cache.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "format_util.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"
#include "text_table.hpp"

namespace shadowctl {

namespace {

std::string percent(std::uint64_t part, std::uint64_t whole)
{
    return whole ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

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
    return list;
}

}  // namespace shadowctl
