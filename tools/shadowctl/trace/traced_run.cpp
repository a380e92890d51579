#include "trace/traced_run.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "common/run_driver.hpp"
#include "common/thread.hpp"

namespace shadowctl {

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, as ktime_get_ns()
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
namespace tr = shadowslab::tracer;

constexpr milliseconds kStartPoll{1};
constexpr milliseconds kMaxPoll{50};

// Switches the tracer's segment with the RUN's phase; see traced_run.hpp.
class PhaseWatcher {
public:
    PhaseWatcher(const shadowslab::Device& device, tr::Tracer& tracer) : device_(device), tracer_(tracer) {}
    PhaseWatcher(const PhaseWatcher&) = delete;
    PhaseWatcher& operator=(const PhaseWatcher&) = delete;
    ~PhaseWatcher() { stop(); }

    // Ends the watch, and the timed segment if it is still open.
    void stop()
    {
        loop_.stop();
        end_timed(Clock::now());
    }

    std::uint64_t timed_ns() const
    {
        return timed_started_ ? static_cast<std::uint64_t>(nanoseconds(timed_ended_ - timed_start_).count()) : 0;
    }

private:
    void start_timed(Clock::time_point now)
    {
        tracer_.set_segment(tr::kSegmentTimed);
        timed_started_ = true;
        timed_start_ = now;
    }

    void end_timed(Clock::time_point now)
    {
        if (timed_started_ && !timed_ended_flag_) {
            tracer_.set_segment(tr::kSegmentOther);
            timed_ended_flag_ = true;
            timed_ended_ = now;
        }
    }

    // One poll; the time until the next, or nullopt once the timed phase
    // has ended.
    std::optional<nanoseconds> poll()
    {
        const Clock::time_point before = Clock::now();
        shadowslab_run_progress progress{};
        try {
            progress = device_.run_progress();
        } catch (const std::exception&) {
            return kStartPoll;
        }
        if (!timed_started_) {
            if (progress.phase != SHADOWSLAB_PHASE_TIMED)
                return kStartPoll;
            start_timed(before);
            if (progress.duration_ns)
                deadline_ = before - nanoseconds(progress.elapsed_ns) + nanoseconds(progress.duration_ns);
        } else if (progress.phase != SHADOWSLAB_PHASE_TIMED ||
                   (progress.target_cycles && progress.cycles >= progress.target_cycles)) {
            end_timed(before);
            return std::nullopt;
        }
        return next_interval(progress, deadline_);
    }

    // Sleeps through the timed phase, to poll every kStartPoll near its end.
    static Clock::duration next_interval(const shadowslab_run_progress& progress, Clock::time_point deadline)
    {
        Clock::duration left = kMaxPoll;
        if (deadline != Clock::time_point::max()) {
            left = deadline - Clock::now() - kStartPoll;
        } else if (progress.target_cycles && progress.cycles && progress.elapsed_ns) {
            const double ns_per_cycle = static_cast<double>(progress.elapsed_ns) / static_cast<double>(progress.cycles);
            const double cycles_left = static_cast<double>(progress.target_cycles - progress.cycles);
            left = std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double, std::nano>(cycles_left * ns_per_cycle)) /
                   2;
        }
        return std::clamp<Clock::duration>(left, kStartPoll, kMaxPoll);
    }

    const shadowslab::Device& device_;
    tr::Tracer& tracer_;
    bool timed_started_ = false;
    bool timed_ended_flag_ = false;
    Clock::time_point timed_start_;
    Clock::time_point timed_ended_;
    Clock::time_point deadline_ = Clock::time_point::max();
    BackgroundLoop loop_{kStartPoll, [this] { return poll(); }};  // last: it uses the rest
};

}  // namespace

TracedRun run_traced(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                     const std::string& label, const InterruptGuard& interrupt, tr::Tracer& tracer)
{
    TracedRun traced;
    tracer.set_segment(tr::kSegmentOther);
    tracer.clear();
    const Clock::time_point start = Clock::now();
    PhaseWatcher watcher(device, tracer);
    traced.result = run_with_progress(device, request, label, interrupt);
    watcher.stop();
    traced.timed_traced_ns = watcher.timed_ns();
    traced.traced_ns = static_cast<std::uint64_t>(nanoseconds(Clock::now() - start).count());
    traced.snapshot = tracer.snapshot();
    return traced;
}

std::unique_ptr<tr::Tracer> start_tracer(const tr::TracerOptions& options)
{
    auto tracer = std::make_unique<tr::Tracer>(options);
    for (const std::string& warning : tracer->warnings())
        fmt::print(stderr, "shadowctl: warning: {}\n", warning);
    return tracer;
}

RunTraceDocuments run_trace_documents(const TracedRun& traced, const tr::Tracer& tracer, std::size_t top)
{
    RunTraceDocuments documents;
    documents.timed.window.kind = "run_timed_phase";
    documents.timed.window.traced_ns = traced.timed_traced_ns;
    documents.timed.report = tr::build_report(traced.snapshot, tr::kTimedSegmentOnly, tracer.symbols(), top);
    documents.whole.window.kind = "run_whole";
    documents.whole.window.traced_ns = traced.traced_ns;
    documents.whole.report = tr::build_report(traced.snapshot, tr::kAllSegments, tracer.symbols(), top);
    for (TraceDocument* document : {&documents.timed, &documents.whole}) {
        document->kernel_release = kernel_release();
        document->warnings = tracer.warnings();
    }
    return documents;
}

std::string format_run_trace_text(const RunTraceDocuments& documents, const shadowslab::RunResult& result)
{
    std::string text = "\n== tracer: the timed phase ==\n" + format_trace_text(documents.timed);
    text += "\n== tracer: the whole run ==\n" + format_trace_window(documents.whole) + "\n";
    text += format_trace_summary(documents.whole, kModuleName);
    tr::ModuleCounts from_module;
    const auto& by_module = documents.timed.report.percpu.by_module;
    if (const auto it = by_module.find(std::string(kModuleName)); it != by_module.end())
        from_module = it->second;
    text += fmt::format("\ntimed phase, percpu allocs/frees by the module: {}/{} as it counted them, {}/{} "
                        "as the tracer saw them\n",
                        result.percpu_allocs, result.percpu_frees, from_module.allocs, from_module.frees);
    return text;
}

}  // namespace shadowctl
