#include "common/run_driver.hpp"

#include <cerrno>
#include <chrono>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "common/progress.hpp"
#include "common/thread.hpp"
#include "shadowslab/names.hpp"

namespace shadowctl {

namespace {

constexpr std::chrono::nanoseconds kPollInterval = std::chrono::milliseconds(200);

// While alive, and only if stderr is a terminal, polls RUN_PROGRESS every
// 200 ms from a helper thread and redraws the bar.
class RunProgress {
public:
    RunProgress(const shadowslab::Device& device, std::string label) : bar_(std::move(label))
    {
        if (bar_.active())
            loop_.emplace(kPollInterval, [this, &device] { return draw(device); });
    }

private:
    std::optional<std::chrono::nanoseconds> draw(const shadowslab::Device& device)
    {
        try {
            const shadowslab_run_progress progress = device.run_progress();
            bar_.draw(shadowslab::phase_name(progress.phase), run_progress_fraction(progress),
                      run_progress_detail(progress));
            return kPollInterval;
        } catch (const std::exception&) {
            // The bar is a nicety: a failing poll must not disturb the run,
            // whose own result or error is what gets reported.
            return std::nullopt;
        }
    }

    ProgressBar bar_;
    std::optional<BackgroundLoop> loop_;  // last: stopped before the bar goes
};

}  // namespace

std::string run_progress_detail(const shadowslab_run_progress& progress)
{
    if (progress.target_cycles)
        return fmt::format("{}/{} cycles", progress.cycles, progress.target_cycles);
    if (progress.duration_ns)
        return fmt::format("{} cycles  {:.1f}/{:.1f} s", progress.cycles,
                           static_cast<double>(progress.elapsed_ns) / 1e9,
                           static_cast<double>(progress.duration_ns) / 1e9);
    return fmt::format("{} cycles", progress.cycles);
}

double run_progress_fraction(const shadowslab_run_progress& progress)
{
    if (progress.target_cycles)
        return static_cast<double>(progress.cycles) / static_cast<double>(progress.target_cycles);
    if (progress.duration_ns)
        return static_cast<double>(progress.elapsed_ns) / static_cast<double>(progress.duration_ns);
    return 0;
}

shadowslab::RunResult run_with_progress(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                                        const std::string& label, const InterruptGuard& interrupt)
{
    shadowslab::RunResult cancelled_before_start;
    cancelled_before_start.cancelled = true;
    if (interrupt.triggered())
        return cancelled_before_start;
    try {
        const RunProgress progress(device, label);
        return device.run(request);
    } catch (const std::system_error& error) {
        if (error.code().value() == EINTR && interrupt.triggered())
            return cancelled_before_start;
        throw;
    }
}

}  // namespace shadowctl
