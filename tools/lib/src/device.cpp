#include "shadowslab/device.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "shadowslab/error.hpp"

namespace shadowslab {

namespace {

std::string open_hint(int err)
{
    switch (err) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
        return "is the module loaded? (insmod kmod/shadowslab.ko)";
    case EACCES:
    case EPERM:
        return "needs root (CAP_SYS_ADMIN)";
    default:
        return {};
    }
}

std::string ioctl_hint(int err, std::string_view operation)
{
    switch (err) {
    case EPERM:
        return "needs CAP_SYS_ADMIN (run as root)";
    case ENOTTY:
        return "the module does not know this command; are kmod/ and tools/ built from the same tree?";
    case E2BIG:
        return "the module is older than this tool and does not know fields it set";
    case ENOENT:
        return operation.starts_with("CACHE_") ? "no cache with that id" : std::string();
    case ENOMEM:
        return operation == "CACHE_ALLOC" ? "the first constructor call failed (injected fault or out of memory)"
                                          : std::string();
    case EBUSY:
        if (operation == "CACHE_DESTROY")
            return "the cache still holds allocated objects (free them first), or another caller is using it";
        if (operation == "RUN")
            return "another run is in progress";
        return {};
    default:
        return {};
    }
}

template <std::size_t N>
void copy_name(char (&target)[N], const std::string& name)
{
    if (name.size() >= N)
        throw std::invalid_argument(fmt::format("cache name '{}' is longer than {} bytes", name, N - 1));
    name.copy(target, N - 1);
}

ThreadResult to_thread_result(const shadowslab_thread_result& abi)
{
    Histogram::Buckets buckets{};
    for (std::size_t i = 0; i < buckets.size(); ++i)
        buckets[i] = abi.hist[i];
    const bool moved = (abi.flags & SHADOWSLAB_THREAD_MOVED) != 0;
    return {abi.cpu, abi.cycles, abi.elapsed_ns, abi.check_failures, abi.samples, Histogram(buckets), moved};
}

}  // namespace

Device::Device(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC))
{
    if (fd_.get() < 0) {
        const int err = errno;
        throw OperationError(err, "open " + path, open_hint(err));
    }
}

void Device::call(unsigned long command, void* argument, const char* operation) const
{
    if (::ioctl(fd_.get(), command, argument) < 0) {
        const int err = errno;
        throw OperationError(err, operation, ioctl_hint(err, operation));
    }
}

shadowslab_info Device::info() const
{
    shadowslab_info info{};
    call(SHADOWSLAB_IOC_INFO, &info, "INFO");
    return info;
}

std::uint32_t Device::cache_create(const CacheConfig& config) const
{
    shadowslab_cache_create create{};
    create.spec = to_abi(config.profile);
    copy_name(create.name, config.name);
    create.flags = config.deferred_dtor ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0;
    create.magazine_size = config.magazine_size;
    call(SHADOWSLAB_IOC_CACHE_CREATE, &create, "CACHE_CREATE");
    return create.id;
}

DestroyResult Device::cache_destroy(std::uint32_t id) const
{
    shadowslab_cache_destroy destroy{};
    destroy.id = id;
    call(SHADOWSLAB_IOC_CACHE_DESTROY, &destroy, "CACHE_DESTROY");
    return {destroy.ctor_calls, destroy.ctor_failures, destroy.dtor_calls};
}

ObjectCount Device::cache_alloc(std::uint32_t id, std::uint32_t count) const
{
    shadowslab_cache_objs objs{};
    objs.id = id;
    objs.count = count;
    call(SHADOWSLAB_IOC_CACHE_ALLOC, &objs, "CACHE_ALLOC");
    return {objs.done, objs.held};
}

ObjectCount Device::cache_free(std::uint32_t id, std::uint32_t count) const
{
    shadowslab_cache_objs objs{};
    objs.id = id;
    objs.count = count;
    call(SHADOWSLAB_IOC_CACHE_FREE, &objs, "CACHE_FREE");
    return {objs.done, objs.held};
}

ShrinkResult Device::cache_shrink(std::uint32_t id, bool purge) const
{
    shadowslab_cache_shrink shrink{};
    shrink.id = id;
    shrink.flags = purge ? SHADOWSLAB_SHRINK_PURGE : 0;
    call(SHADOWSLAB_IOC_CACHE_SHRINK, &shrink, "CACHE_SHRINK");
    return {shrink.slabs_released, shrink.objects_released};
}

shadowslab_cache_stats Device::cache_stats(std::uint32_t id) const
{
    shadowslab_cache_stats stats{};
    stats.id = id;
    call(SHADOWSLAB_IOC_CACHE_STATS, &stats, "CACHE_STATS");
    return stats;
}

std::vector<std::uint32_t> Device::cache_list() const
{
    // Caches may be created between two calls, so retry until the ids fit.
    std::vector<std::uint32_t> ids;
    for (;;) {
        shadowslab_cache_list list{};
        list.ids_ptr = reinterpret_cast<std::uintptr_t>(ids.data());
        list.capacity = static_cast<std::uint32_t>(ids.size());
        call(SHADOWSLAB_IOC_CACHE_LIST, &list, "CACHE_LIST");
        if (list.count <= ids.size()) {
            ids.resize(list.count);
            return ids;
        }
        ids.assign(list.count, 0);
    }
}

std::uint64_t Device::cache_fault(std::uint32_t id, const FaultSetting& fault) const
{
    shadowslab_cache_fault request{};
    request.id = id;
    request.mode = static_cast<std::uint32_t>(fault.mode);
    request.nth = fault.nth;
    request.probability_ppm = fault.probability_ppm;
    request.seed = fault.seed;
    call(SHADOWSLAB_IOC_CACHE_FAULT, &request, "CACHE_FAULT");
    return request.injected;
}

RunResult Device::run(const RunRequest& request) const
{
    std::vector<shadowslab_thread_result> threads(request.cpus.size());

    shadowslab_run run{};
    run.spec = to_abi(request.profile);
    run.strategy = static_cast<std::uint32_t>(request.strategy);
    run.flags = (request.check ? SHADOWSLAB_RUN_CHECK : 0) |
                (request.remote_free ? SHADOWSLAB_RUN_REMOTE_FREE : 0) |
                (request.no_magazines ? SHADOWSLAB_RUN_NO_MAGAZINES : 0);
    run.nr_cpus = static_cast<std::uint32_t>(request.cpus.size());
    run.magazine_size = request.magazine_size;
    run.cpus_ptr = reinterpret_cast<std::uintptr_t>(request.cpus.data());
    run.cycles = request.cycles;
    run.duration_ns = request.duration_ns;
    run.warmup_cycles = request.warmup_cycles;
    run.results_ptr = reinterpret_cast<std::uintptr_t>(threads.data());
    run.result_size = sizeof(shadowslab_thread_result);
    run.sample_shift = request.sample_shift;
    run.live = request.live;
    run.retain = request.retain.partial ? SHADOWSLAB_RETAIN_PARTIAL : SHADOWSLAB_RETAIN_ALL;
    run.min_partial = request.retain.partial ? request.retain.min_partial : 0;
    run.mt_fraction_ppm = request.mt_fraction_ppm;
    call(SHADOWSLAB_IOC_RUN, &run, "RUN");

    RunResult result;
    result.cancelled = run.status == SHADOWSLAB_RUN_CANCELLED;
    result.elapsed_ns = run.elapsed_ns;
    result.total_cycles = run.total_cycles;
    result.check_failures = run.check_failures;
    result.percpu_allocs = run.percpu_allocs;
    result.percpu_frees = run.percpu_frees;
    result.warmup_percpu_allocs = run.warmup_percpu_allocs;
    result.warmup_percpu_frees = run.warmup_percpu_frees;
    result.ctor_calls = run.ctor_calls;
    result.ctor_ns = run.ctor_ns;
    result.dtor_calls = run.dtor_calls;
    result.dtor_ns = run.dtor_ns;
    result.remote_frees = run.remote_frees;
    result.mt_upgrades = run.mt_upgrades;
    result.retained_percpu_bytes = run.retained_percpu_bytes;
    result.memcg_ino = run.memcg_ino;
    for (const shadowslab_thread_result& thread : threads)
        result.threads.push_back(to_thread_result(thread));
    return result;
}

shadowslab_run_progress Device::run_progress() const
{
    shadowslab_run_progress progress{};
    call(SHADOWSLAB_IOC_RUN_PROGRESS, &progress, "RUN_PROGRESS");
    return progress;
}

}  // namespace shadowslab
