#pragma once

// Ctrl-C and SIGTERM while a command measures something.
//
// While an InterruptGuard is alive, the first SIGINT or SIGTERM only sets a
// flag, so the command stops its work and still prints what it measured:
// the handler is installed without SA_RESTART, so the signal also
// interrupts the blocking RUN ioctl, and the module then stops the run and
// returns the partial results.  A second SIGINT or SIGTERM exits at once,
// with status 128 + the signal, printing nothing more (workers exec'd by
// execbench die with shadowctl through PR_SET_PDEATHSIG; the RUN ends when
// the device is closed).
//
// Helper threads are started with both signals blocked (common/thread.hpp),
// so they are delivered to the main thread, the one blocked in RUN.

#include <csignal>

namespace shadowctl {

class InterruptGuard {
public:
    InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    ~InterruptGuard();

    bool triggered() const;
    // The exit status for an interrupted command: 128 + the first signal
    // (130 for Ctrl-C, 143 for SIGTERM).
    int exit_status() const;

private:
    struct sigaction previous_int_ {};
    struct sigaction previous_term_ {};
};

}  // namespace shadowctl
