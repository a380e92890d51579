#pragma once

// Where a measurement ran: what every result carries in its "environment"
// object, and the warnings that tell a reader when the figures may not mean
// what they seem to.
//
// Everything is read where the system exposes it, and left null (or empty)
// where it does not, e.g. cpufreq in a VM:
//   clocksource       /sys/devices/system/clocksource/clocksource0
//   governor          /sys/devices/system/cpu/cpuN/cpufreq/scaling_governor
//   SMT               /sys/devices/system/cpu/smt/{active,control} and each
//                     CPU's topology/thread_siblings_list
//   preemption        /sys/kernel/debug/sched/preempt (PREEMPT_DYNAMIC),
//                     else uname -v and the kernel's config
//   CPUs, cmdline     sysfs, /proc/cmdline
//   virtualisation    CPUID's hypervisor leaf (x86), else /sys/hypervisor
//   memcg             /proc/self/cgroup, the controller's state, the limit
//   host load         under scripts/vm-run only: the host's own CPU time,
//                     sampled by vm-run into the file that the kernel
//                     command line's vmrun.host_load= names
//
// Warnings: an HPET or acpi_pm clocksource (every clock read a slow,
// serialising device access); a cpufreq governor other than performance;
// two busy CPUs that are SMT siblings of one core; and, under vm-run, a
// host that was busy with other work while the guest measured.
//
// `root` prefixes every path read, so tests can feed a made-up system.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/output.hpp"
#include "shadowslab/cpu_list.hpp"

namespace shadowctl {

// What vm-run's sampler says the host did over a window.
struct HostLoad {
    unsigned host_cpus = 0;
    double seconds = 0;            // the window, as the host measured it
    double others_busy_cpus = 0;   // CPUs' worth of time used by all but this VM
    double vm_busy_cpus = 0;       // and by this VM's QEMU
};

struct Environment {
    std::string kernel_release;  // uname -r
    std::string kernel_version;  // uname -v
    std::string machine;         // uname -m
    std::string cpu_model;
    std::string clocksource;     // "" if unknown
    std::vector<std::string> available_clocksources;
    // Governor -> the CPUs that use it; empty without cpufreq.
    std::map<std::string, shadowslab::CpuList> governors;
    std::optional<bool> smt_active;
    std::string smt_control;
    // Each online CPU's SMT siblings (itself included), where sysfs says.
    std::map<std::uint32_t, shadowslab::CpuList> smt_siblings;
    std::string preemption;         // none, voluntary, full, rt; "" unknown
    std::string preemption_source;  // where it was read
    std::string possible_cpus;
    std::string online_cpus;
    std::string cmdline;
    std::string virtualization;     // none, kvm, tcg, hyperv, vmware, xen, ...; "" unknown
    std::optional<bool> memcg_enabled;
    std::string memcg_path;         // this process's memory cgroup
    std::string memcg_limit;        // memory.max / limit_in_bytes, as written there
    std::optional<bool> memcg_kmem; // false with cgroup.memory=nokmem
    std::optional<HostLoad> host_load;
    std::vector<std::string> warnings;
};

// Reads the environment when constructed and the host's load over the
// window until finish(), which also works out the warnings for the CPUs
// that were busy.
class EnvironmentRecorder {
public:
    explicit EnvironmentRecorder(std::string root = "");
    Environment finish(const shadowslab::CpuList& busy_cpus);

private:
    std::string root_;
    Environment environment_;
    std::string host_load_file_;
    std::string host_load_start_;  // the sampler's line when the window began
};

// Just the environment, without a window (info).
Environment read_environment(const shadowslab::CpuList& busy_cpus = {});

// The warnings for `environment` when `busy_cpus` ran the work.
std::vector<std::string> environment_warnings(const Environment& environment, const shadowslab::CpuList& busy_cpus);

// The host's load between two lines of vm-run's sampler,
// "UPTIME_MS HOST_BUSY_TICKS HOST_TOTAL_TICKS QEMU_TICKS HOST_CPUS";
// nullopt if they are malformed or no time passed.
std::optional<HostLoad> host_load_between(const std::string& start, const std::string& end);

Json environment_to_json(const Environment& environment);

// A few lines for the top of a result: kernel, CPUs, clock, governor,
// SMT, preemption, virtualisation, memcg, host load.
std::string format_environment(const Environment& environment);

// "warning: ..." lines, one per warning (empty if there is none).
std::string format_warnings(const std::vector<std::string>& warnings);

}  // namespace shadowctl
