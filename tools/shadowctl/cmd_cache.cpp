#include <cerrno>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_cache.hpp"

namespace shadowctl {

int command_cache_create(const Options& options)
{
    const CacheCreateOptions& create = options.cache_create;
    const shadowslab::Device device(options.device_path);
    const std::uint32_t id = device.cache_create(create.config);
    if (create.json)
        fmt::print("{}\n", Json{{"id", id}}.dump());
    else
        fmt::print("{}\n", id);
    return kExitOk;
}

int command_cache_alloc(const Options& options)
{
    const CacheCountOptions& alloc = options.cache_alloc;
    const shadowslab::Device device(options.device_path);
    const shadowslab::ObjectCount result = device.cache_alloc(alloc.id, alloc.count);
    fmt::print("allocated {} of {} objects; {} held\n", result.done, alloc.count, result.held);
    if (result.done < alloc.count)
        fmt::print(stderr, "shadowctl: warning: a constructor failed after {} objects (injected fault or out of memory)\n",
                   result.done);
    return kExitOk;
}

int command_cache_free(const Options& options)
{
    const CacheCountOptions& free = options.cache_free;
    const shadowslab::Device device(options.device_path);
    const shadowslab::ObjectCount result = device.cache_free(free.id, free.count);
    fmt::print("freed {} objects; {} still held\n", result.done, result.held);
    return kExitOk;
}

int command_cache_shrink(const Options& options)
{
    const CacheShrinkOptions& shrink = options.cache_shrink;
    const shadowslab::Device device(options.device_path);
    const shadowslab::ShrinkResult result = device.cache_shrink(shrink.id, shrink.purge);
    fmt::print("released {} slabs, destroying {} objects\n", result.slabs_released, result.objects_released);
    return kExitOk;
}

int command_cache_destroy(const Options& options)
{
    const std::uint32_t id = options.cache_destroy.id;
    const shadowslab::Device device(options.device_path);
    const shadowslab::DestroyResult result = device.cache_destroy(id);
    fmt::print("destroyed cache {}: {} constructor calls ({} failed), {} destructor calls\n", id, result.ctor_calls,
               result.ctor_failures, result.dtor_calls);
    if (!result.balanced()) {
        fmt::print(stderr, "shadowctl: cache {} leaked: {} constructed objects were never destroyed\n", id,
                   static_cast<std::int64_t>(result.ctor_calls - result.ctor_failures - result.dtor_calls));
        return kExitFailure;
    }
    return kExitOk;
}

int command_cache_stats(const Options& options)
{
    const shadowslab::Device device(options.device_path);
    const shadowslab_cache_stats stats = device.cache_stats(options.cache_stats.id);
    if (options.cache_stats.json)
        fmt::print("{}\n", cache_stats_to_json(stats).dump(2));
    else
        fmt::print("{}", format_cache_stats(stats));
    return kExitOk;
}

int command_cache_list(const Options& options)
{
    const shadowslab::Device device(options.device_path);
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
    if (options.cache_list.json)
        fmt::print("{}\n", cache_list_to_json(caches).dump(2));
    else
        fmt::print("{}", format_cache_list(caches));
    return kExitOk;
}

int command_cache_fault(const Options& options)
{
    const CacheFaultOptions& fault = options.cache_fault;
    const shadowslab::Device device(options.device_path);
    const std::uint64_t injected = device.cache_fault(fault.id, fault.fault);
    switch (fault.fault.mode) {
    case shadowslab::FaultMode::off:
        fmt::print("fault injection off");
        break;
    case shadowslab::FaultMode::every_nth:
        fmt::print("failing one constructor call in every {}", fault.fault.nth);
        break;
    case shadowslab::FaultMode::probability:
        fmt::print("failing constructor calls with probability {} ppm (seed {})", fault.fault.probability_ppm,
                   fault.fault.seed);
        break;
    }
    fmt::print("; {} faults injected so far\n", injected);
    return kExitOk;
}

}  // namespace shadowctl
