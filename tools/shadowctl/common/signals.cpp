#include "common/signals.hpp"

#include <unistd.h>

#include <cerrno>

#include "shadowslab/error.hpp"

namespace shadowctl {

namespace {

volatile std::sig_atomic_t first_signal = 0;

void on_interrupt(int signal)
{
    if (first_signal == 0) {
        first_signal = signal;
        return;
    }
    static const char message[] = "\nshadowctl: interrupted again: exiting at once\n";
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(128 + signal);
}

void install(int signal, struct sigaction& previous)
{
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the RUN ioctl must see the signal
    if (::sigaction(signal, &action, &previous) < 0)
        throw shadowslab::OperationError(errno, "sigaction");
}

}  // namespace

InterruptGuard::InterruptGuard()
{
    first_signal = 0;
    install(SIGINT, previous_int_);
    install(SIGTERM, previous_term_);
}

InterruptGuard::~InterruptGuard()
{
    ::sigaction(SIGTERM, &previous_term_, nullptr);
    ::sigaction(SIGINT, &previous_int_, nullptr);
}

bool InterruptGuard::triggered() const { return first_signal != 0; }

int InterruptGuard::exit_status() const { return 128 + (first_signal ? first_signal : SIGINT); }

}  // namespace shadowctl
