#pragma once

// One RUN from the command line: the progress bar while it blocks, and
// Ctrl-C or SIGTERM cancelling it.

#include <string>

#include "common/signals.hpp"
#include "shadowslab/device.hpp"
#include "shadowslab/run.hpp"

namespace shadowctl {

// Runs `request` on this thread (where the signals are delivered), with a
// progress bar polled from another ("label  timed [###...] 35%  1234 cycles
// 3.5/10.0 s").  If the guard triggered before the run could start (the
// flag is already set, or the ioctl failed with EINTR), the result is a
// cancelled run without results.
shadowslab::RunResult run_with_progress(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                                        const std::string& label, const InterruptGuard& interrupt);

// The bar's detail for a RUN's progress: "500/2000 cycles", or "1234 cycles
// 1.5/3.0 s" for a timed run; and how far along it is, 0 to 1.
std::string run_progress_detail(const shadowslab_run_progress& progress);
double run_progress_fraction(const shadowslab_run_progress& progress);

}  // namespace shadowctl
