#pragma once

// `shadowctl cache stats` and `cache list` output.

#include <cstdint>
#include <string>
#include <vector>

#include "format_util.hpp"
#include "shadowslab/abi.hpp"

namespace shadowctl {

// Grouped like the counters themselves: object layout, constructor and
// destructor, slabs, where the objects are, percpu memory, magazines,
// reclaim, faults.
std::string format_cache_stats(const shadowslab_cache_stats& stats);

// Every counter under its struct field name, plus "profile" (name), "spec"
// {name, object_size, regions[{size, align}]} as resolved by the module, and
// "flags" as names.
Json cache_stats_to_json(const shadowslab_cache_stats& stats);

struct CacheListEntry {
    std::uint32_t id = 0;
    std::string name;
    std::string profile;
    std::uint64_t objs_in_use = 0;
    std::uint64_t percpu_bytes = 0;
};

CacheListEntry list_entry(const shadowslab_cache_stats& stats);

std::string format_cache_list(const std::vector<CacheListEntry>& caches);
// An array of {id, name, profile, objs_in_use, percpu_bytes}.
Json cache_list_to_json(const std::vector<CacheListEntry>& caches);

}  // namespace shadowctl
