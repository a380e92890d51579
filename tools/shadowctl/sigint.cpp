#include "sigint.hpp"

#include <cerrno>

#include "shadowslab/error.hpp"

namespace shadowctl {

namespace {

volatile std::sig_atomic_t sigint_received = 0;

void on_sigint(int) { sigint_received = 1; }

}  // namespace

SigintGuard::SigintGuard()
{
    sigint_received = 0;
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the RUN ioctl must see the signal
    if (::sigaction(SIGINT, &action, &previous_) < 0)
        throw shadowslab::OperationError(errno, "sigaction(SIGINT)");
}

SigintGuard::~SigintGuard() { ::sigaction(SIGINT, &previous_, nullptr); }

bool SigintGuard::triggered() const { return sigint_received != 0; }

}  // namespace shadowctl
