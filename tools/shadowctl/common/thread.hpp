#pragma once

// Helper threads.  Each is started with SIGINT and SIGTERM blocked, so the
// signals reach the main thread: the one blocked in the RUN ioctl, which
// they must interrupt (common/signals.hpp).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace shadowctl {

// std::thread(body), with SIGINT and SIGTERM blocked in the new thread.
std::thread start_thread_without_signals(std::function<void()> body);

// A helper thread that sleeps, runs `step`, and does it again after the
// interval `step` returns, until `step` returns nullopt or stop() is called.
class BackgroundLoop {
public:
    using Step = std::function<std::optional<std::chrono::nanoseconds>()>;

    BackgroundLoop(std::chrono::nanoseconds first_sleep, Step step);
    BackgroundLoop(const BackgroundLoop&) = delete;
    BackgroundLoop& operator=(const BackgroundLoop&) = delete;
    ~BackgroundLoop() { stop(); }

    // Wakes the thread and waits for it; a step under way finishes first.
    void stop();

private:
    void run(std::chrono::nanoseconds sleep, const Step& step);

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace shadowctl
