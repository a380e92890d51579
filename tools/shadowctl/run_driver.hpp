#pragma once

// Running workloads from the command line: picking CPUs, and one RUN with
// its progress line and Ctrl-C handling.

#include <string>

#include "shadowslab/cpu_list.hpp"
#include "shadowslab/device.hpp"
#include "shadowslab/run.hpp"
#include "sigint.hpp"

namespace shadowctl {

// The online CPUs from sysfs, with a hint to use --cpus if unreadable.
shadowslab::CpuList read_online_cpus();

// The first `threads` online CPUs; UsageError if fewer are online.
shadowslab::CpuList cpus_for_threads(const shadowslab::CpuList& online, unsigned threads);

// --cpus must name online CPUs.  Checked here to name the offender (the
// module would only say EINVAL); skipped if sysfs cannot be read, since the
// module checks anyway.
void check_cpus_online(const shadowslab::CpuList& cpus);

// Runs `request` on this thread (where SIGINT is delivered) with the progress
// line drawn by another.  If Ctrl-C came before the run could start (the
// flag is already set, or the ioctl failed with EINTR), the result is a
// cancelled run without results.
shadowslab::RunResult run_with_progress(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                                        const std::string& label, const SigintGuard& sigint);

}  // namespace shadowctl
