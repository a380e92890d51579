#pragma once

#include <csignal>

namespace shadowctl {

// While alive, Ctrl-C sets a flag instead of killing the process.  The
// handler is installed without SA_RESTART so that SIGINT interrupts the
// blocking RUN ioctl: the module then stops the run and returns the partial
// results with status CANCELLED, which we still want to print.
class SigintGuard {
public:
    SigintGuard();
    SigintGuard(const SigintGuard&) = delete;
    SigintGuard& operator=(const SigintGuard&) = delete;
    ~SigintGuard();

    bool triggered() const;

private:
    struct sigaction previous_ {};
};

}  // namespace shadowctl
