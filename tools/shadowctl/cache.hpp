#pragma once

// `shadowctl cache`: create, fill, drain, shrink and inspect shadow caches
// by hand.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "common/output.hpp"
#include "shadowslab/abi.hpp"
#include "shadowslab/device.hpp"

namespace shadowctl {

// What the cache subcommands take; each uses its part.
struct CacheOptions {
    shadowslab::CacheConfig config;  // create
    std::uint32_t id = 0;            // every subcommand but create and list
    std::uint32_t count = 0;         // alloc; free (0: every held object)
    bool purge = false;              // shrink
    shadowslab::FaultSetting fault;  // fault
};

// Adds `cache` and its subcommands to `parent`; parsing one fills `options`
// and sets the invocation's action.
void add_cache_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<CacheOptions> options);

// `cache stats`: grouped like the counters themselves: object layout,
// constructor and destructor, slabs, where the objects are, percpu memory,
// magazines, reclaim, faults.
std::string format_cache_stats(const shadowslab_cache_stats& stats);

// Schema shadowslab-cache-stats/1.
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
// Schema shadowslab-cache-list/1.
Json cache_list_to_json(const std::vector<CacheListEntry>& caches);

}  // namespace shadowctl
