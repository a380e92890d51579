// What the tracer needs besides its BPF programs, built with or without
// them (SHADOWSLAB_TRACER): the lock list and its resolution against
// kallsyms, and the defaults of TracerOptions.

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <linux/types.h>

#include <fmt/format.h>

#include "percpu_locks.h"
#include "shadowslab/tracer/trace_error.hpp"
#include "shadowslab/tracer/tracer.hpp"

namespace shadowslab::tracer {

std::size_t max_locks()
{
    return PL_MAX_LOCKS;
}

std::string TracerOptions::default_btf_path()
{
    const char* path = std::getenv("SHADOWCTL_BTF");
    return path && *path ? path : "/sys/kernel/btf/vmlinux";
}

std::uint32_t TracerOptions::default_wait_slots()
{
    const char* slots = std::getenv("SHADOWCTL_TRACE_WAIT_SLOTS");
    if (!slots || !*slots)
        return PL_WAIT_SLOTS;
    std::uint32_t value = 0;
    const char* end = slots + std::strlen(slots);
    if (std::from_chars(slots, end, value).ptr != end)
        return std::numeric_limits<std::uint32_t>::max();  // not a number: the Tracer refuses it
    return value;
}

namespace {

bool parse_address(std::string_view text, std::uint64_t& address)
{
    if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        return false;
    const char* first = text.data() + 2;
    const char* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(first, last, address, 16);
    return error == std::errc() && end == last;
}

}  // namespace

std::vector<TracedLock> resolve_locks(const Kallsyms& symbols, const TracerOptions& options,
                                      std::vector<std::string>& warnings)
{
    std::vector<TracedLock> locks;
    const auto add = [&locks](std::string name, std::uint64_t address) {
        for (const TracedLock& lock : locks)
            if (lock.address == address)
                return;
        if (locks.size() == max_locks())
            throw TraceError(E2BIG, fmt::format("too many locks: at most {} can be traced at once", max_locks()));
        locks.push_back(TracedLock{std::move(name), address});
    };

    if (options.default_locks) {
        for (const std::string_view name : kDefaultLocks) {
            try {
                add(std::string(name), symbols.variable_address(name));
            } catch (const TraceError& error) {
                if (error.code().value() != ENOENT)
                    throw;
                warnings.push_back(fmt::format("{} is not in {}: not traced", name, symbols.source()));
            }
        }
        if (locks.empty() && options.extra_locks.empty())
            throw TraceError(ENOENT,
                             fmt::format("none of the percpu allocator's locks (pcpu_alloc_mutex, pcpu_lock, "
                                         "percpu_counters_lock) is in {}: the kernel lists lock variables only "
                                         "with CONFIG_KALLSYMS_ALL=y; name a lock by address with --lock-symbol "
                                         "0xADDRESS",
                                         symbols.source()));
    }
    for (const std::string& spec : options.extra_locks) {
        std::uint64_t address = 0;
        if (parse_address(spec, address)) {
            add(spec, address);
            continue;
        }
        const auto colon = spec.find(':');
        if (colon == std::string::npos) {
            add(spec, symbols.variable_address(spec));
        } else {
            std::string_view module = std::string_view(spec).substr(0, colon);
            const std::string_view name = std::string_view(spec).substr(colon + 1);
            if (module == kCoreKernel)
                module = {};
            add(spec, symbols.variable_address(name, module));
        }
    }
    if (locks.empty())
        throw TraceError(EINVAL, "no lock to trace: give one with --lock-symbol");
    return locks;
}

}  // namespace shadowslab::tracer
