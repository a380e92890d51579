#include "progress.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "shadowslab/names.hpp"

namespace shadowctl {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr std::size_t kBarWidth = 20;

std::size_t terminal_width()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

// Blocks SIGINT in the calling thread for the guard's lifetime; threads
// created meanwhile inherit the blocked mask.
class SigintBlocked {
public:
    SigintBlocked()
    {
        sigset_t sigint;
        sigemptyset(&sigint);
        sigaddset(&sigint, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigint, &previous_);
    }
    SigintBlocked(const SigintBlocked&) = delete;
    SigintBlocked& operator=(const SigintBlocked&) = delete;
    ~SigintBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

private:
    sigset_t previous_{};
};

}  // namespace

std::string render_progress(const shadowslab_run_progress& progress, const std::string& label, std::size_t width)
{
    double fraction = 0;
    std::string amount = fmt::format("{} cycles", progress.cycles);
    if (progress.target_cycles) {
        fraction = static_cast<double>(progress.cycles) / static_cast<double>(progress.target_cycles);
        amount = fmt::format("{}/{} cycles", progress.cycles, progress.target_cycles);
    } else if (progress.duration_ns) {
        fraction = static_cast<double>(progress.elapsed_ns) / static_cast<double>(progress.duration_ns);
        amount += fmt::format("  {:.1f}/{:.1f} s", static_cast<double>(progress.elapsed_ns) / 1e9,
                              static_cast<double>(progress.duration_ns) / 1e9);
    }
    fraction = std::clamp(fraction, 0.0, 1.0);
    const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
    const std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '.');
    std::string line = fmt::format("{}  {:<8} [{}] {:3.0f}%  {}", label, shadowslab::phase_name(progress.phase), bar,
                                   fraction * 100, amount);
    if (line.size() > width)
        line.resize(width);
    return line;
}

ProgressLine::ProgressLine(const shadowslab::Device& device, std::string label)
    : device_(device), label_(std::move(label))
{
    if (!::isatty(STDERR_FILENO))
        return;
    const SigintBlocked blocked;
    thread_ = std::thread(&ProgressLine::poll, this);
}

ProgressLine::~ProgressLine()
{
    if (!thread_.joinable())
        return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    std::fputs("\r\033[K", stderr);
}

void ProgressLine::poll()
{
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kPollInterval, [this] { return stopping_; })) {
        try {
            const shadowslab_run_progress progress = device_.run_progress();
            // One column spare so the cursor never wraps to the next line.
            fmt::print(stderr, "\r{}\033[K", render_progress(progress, label_, terminal_width() - 1));
            std::fflush(stderr);
        } catch (const std::exception&) {
            // The bar is a nicety: a failing poll must not disturb the run,
            // whose own result or error is what gets reported.
            return;
        }
    }
}

}  // namespace shadowctl
