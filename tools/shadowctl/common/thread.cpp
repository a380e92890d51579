#include "common/thread.hpp"

#include <pthread.h>

#include <csignal>

namespace shadowctl {

std::thread start_thread_without_signals(std::function<void()> body)
{
    // The new thread inherits the mask in force when it is created.
    struct MaskRestorer {
        sigset_t previous;
        ~MaskRestorer() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
    } restorer{};
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &blocked, &restorer.previous);
    return std::thread(std::move(body));
}

BackgroundLoop::BackgroundLoop(std::chrono::nanoseconds first_sleep, Step step)
{
    thread_ = start_thread_without_signals([this, first_sleep, step = std::move(step)] { run(first_sleep, step); });
}

void BackgroundLoop::run(std::chrono::nanoseconds sleep, const Step& step)
{
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (wake_.wait_for(lock, sleep, [this] { return stopping_; }))
                return;
        }
        const std::optional<std::chrono::nanoseconds> next = step();
        if (!next)
            return;
        sleep = *next;
    }
}

void BackgroundLoop::stop()
{
    if (!thread_.joinable())
        return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

}  // namespace shadowctl
