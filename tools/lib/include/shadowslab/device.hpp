#pragma once

// /dev/shadowslab: one typed call per ioctl.  Every call zero-initialises its
// argument (reserved fields must be 0) and throws OperationError, which keeps
// the errno and names the ioctl, e.g. "CACHE_DESTROY: Device or resource busy".

#include <cstdint>
#include <string>
#include <vector>

#include "shadowslab/abi.hpp"
#include "shadowslab/profile_spec.hpp"
#include "shadowslab/run.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowslab {

struct CacheConfig {
    ProfileSpec profile;
    std::string name;                 // at most SHADOWSLAB_NAME_LEN - 1 bytes
    bool deferred_dtor = false;       // destructors run from a workqueue
    std::uint32_t magazine_size = 0;  // 0 = default
};

// ALLOC / FREE outcome: objects moved by this call, and held afterwards.
struct ObjectCount {
    std::uint32_t done = 0;
    std::uint64_t held = 0;
};

// DESTROY's final balance of the cache's constructor and destructor.
struct DestroyResult {
    std::uint64_t ctor_calls = 0;
    std::uint64_t ctor_failures = 0;
    std::uint64_t dtor_calls = 0;

    // Every object a constructor built was destroyed again: nothing leaked.
    bool balanced() const { return dtor_calls + ctor_failures == ctor_calls; }
};

struct ShrinkResult {
    std::uint64_t slabs_released = 0;
    std::uint64_t objects_released = 0;
};

enum class FaultMode : std::uint32_t {
    off = SHADOWSLAB_FAULT_OFF,
    every_nth = SHADOWSLAB_FAULT_EVERY_NTH,
    probability = SHADOWSLAB_FAULT_PROBABILITY,
};

struct FaultSetting {
    FaultMode mode = FaultMode::off;
    std::uint32_t nth = 0;              // every_nth: >= 1
    std::uint32_t probability_ppm = 0;  // probability: 0..kMaxProbabilityPpm
    std::uint64_t seed = 0;             // probability
};

inline constexpr std::uint32_t kMaxProbabilityPpm = SHADOWSLAB_FAULT_PPM_MAX;

class Device {
public:
    // Opens the device read-write; ENOENT/ENXIO/ENODEV and EACCES/EPERM get
    // a hint (load the module / run as root).
    explicit Device(const std::string& path = SHADOWSLAB_DEVICE_PATH);

    shadowslab_info info() const;

    std::uint32_t cache_create(const CacheConfig& config) const;
    DestroyResult cache_destroy(std::uint32_t id) const;
    ObjectCount cache_alloc(std::uint32_t id, std::uint32_t count) const;
    ObjectCount cache_free(std::uint32_t id, std::uint32_t count) const;  // 0 = all held
    ShrinkResult cache_shrink(std::uint32_t id, bool purge) const;
    shadowslab_cache_stats cache_stats(std::uint32_t id) const;
    std::vector<std::uint32_t> cache_list() const;
    // Returns the faults injected so far.
    std::uint64_t cache_fault(std::uint32_t id, const FaultSetting& fault) const;

    // Blocks until the run ends.  A signal delivered to this thread cancels
    // the run; the module then returns the partial results with
    // cancelled == true.
    RunResult run(const RunRequest& request) const;
    // Safe to call from another thread while run() blocks.
    shadowslab_run_progress run_progress() const;

private:
    void call(unsigned long command, void* argument, const char* operation) const;

    UniqueFd fd_;
};

}  // namespace shadowslab
