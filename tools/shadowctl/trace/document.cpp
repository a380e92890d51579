#include "trace/document.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/table.hpp"

namespace shadowctl {

namespace {

using shadowslab::Histogram;
using namespace shadowslab::tracer;

// 1024-based, as bpftrace prints histogram bounds: 512, 1K, 2K, ... 1M.
std::string power_of_two(double value)
{
    const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{:.0f}{}", value, units[unit]);
}

std::string wait_or_dash(std::optional<double> ns)
{
    return ns ? duration(static_cast<std::uint64_t>(*ns + 0.5)) : "-";
}

std::string command_line(const std::vector<std::string>& argv)
{
    return fmt::format("{}", fmt::join(argv, " "));
}

// "pcpu_alloc+0x2f [shadowslab]" -> "pcpu_alloc"; "0xffff..." unchanged.
std::string_view function_of(std::string_view frame)
{
    return frame.substr(0, frame.find_first_of("+ "));
}

}  // namespace

std::string format_folded(const TraceDocument& document)
{
    std::map<std::string, std::uint64_t> wait_by_stack;
    for (const auto& lock : document.report.locks) {
        for (const auto& stack : lock.stacks) {
            std::string folded = lock.lock.name;
            for (auto frame = stack.frames.rbegin(); frame != stack.frames.rend(); ++frame)
                folded += fmt::format(";{}", function_of(*frame));
            wait_by_stack[folded] += stack.wait_ns;
        }
    }
    std::string text;
    for (const auto& [stack, wait_ns] : wait_by_stack)
        text += fmt::format("{} {}\n", stack, wait_ns);
    return text;
}

std::string format_trace_window(const TraceDocument& document)
{
    const TraceWindow& window = document.window;
    std::string text = fmt::format("traced {}", duration(window.traced_ns));
    if (document.command)
        text += fmt::format(" while '{}' ran (pid {}); it {}", command_line(document.command->argv),
                            document.command->pid, document.command->status.describe());
    if (window.kind == "interrupted")
        text += ", ended by Ctrl-C";
    else if (window.kind == "duration" && window.requested_duration_ns)
        text += fmt::format(" (--duration {})", duration(*window.requested_duration_ns));
    else if (window.kind == "run_timed_phase")
        text += " (the workload's timed phase)";
    else if (window.kind == "run_whole")
        text += " (the whole run: setup, warm-up, timed phase, teardown)";
    return text;
}

namespace {

Json stack_frames(const std::vector<std::string>& frames)
{
    Json list = Json::array();
    for (const std::string& frame : frames)
        list.push_back(frame);
    return list;
}

Json site_json(const CallSiteReport& site)
{
    return {{"call_site", site.call_site},
            {"module", site.module},
            {"count", site.count},
            {"bytes", site.bytes},
            {"frames", stack_frames(site.frames)}};
}

// `sized` false: the sites' bytes were not measured (frees without
// --free-sizes), shown as "-".
void append_sites(std::string& text, const char* title, const std::vector<CallSiteReport>& sites,
                  std::size_t distinct, bool sized)
{
    if (sites.empty())
        return;
    text += fmt::format("\n{} (top {} of {}):\n", title, sites.size(), distinct);
    using Align = TextTable::Align;
    TextTable table({{"count", Align::right}, {"bytes", Align::right}, {"module", Align::left},
                     {"call site", Align::left}});
    for (const CallSiteReport& site : sites)
        table.add_row({fmt::format("{}", site.count), sized ? fmt::format("{}", site.bytes) : "-",
                       site.module.empty() ? "?" : site.module, site.call_site});
    text += table.render();
}

}  // namespace

std::string hex_address(std::uint64_t address)
{
    return fmt::format("0x{:x}", address);
}

std::string format_log2_histogram(const Histogram& histogram, std::size_t width)
{
    const Histogram::Buckets& buckets = histogram.buckets();
    const auto first = std::find_if(buckets.begin(), buckets.end(), [](std::uint64_t n) { return n != 0; });
    if (first == buckets.end())
        return {};
    const auto last = std::find_if(buckets.rbegin(), buckets.rend(), [](std::uint64_t n) { return n != 0; });
    const std::size_t low = static_cast<std::size_t>(first - buckets.begin());
    const std::size_t high = buckets.size() - 1 - static_cast<std::size_t>(last - buckets.rbegin());
    const std::uint64_t most = *std::max_element(buckets.begin(), buckets.end());

    std::vector<std::string> labels;
    std::size_t label_width = 0;
    for (std::size_t i = low; i <= high; ++i) {
        labels.push_back(fmt::format("[{}, {})", power_of_two(Histogram::bucket_low(i)),
                                     power_of_two(Histogram::bucket_high(i))));
        label_width = std::max(label_width, labels.back().size());
    }
    std::string text;
    for (std::size_t i = low; i <= high; ++i) {
        const std::uint64_t count = buckets[i];
        const auto bar = static_cast<std::size_t>(static_cast<double>(count) * static_cast<double>(width) /
                                                  static_cast<double>(most) + 0.5);
        text += fmt::format("  {:<{}} {:>9} |{:<{}}|\n", labels[i - low], label_width, count,
                            std::string(count ? std::max<std::size_t>(bar, 1) : 0, '@'), width);
    }
    return text;
}

std::string format_trace_text(const TraceDocument& document)
{
    const TraceReport& report = document.report;
    std::string text = format_trace_window(document) + "\n";
    for (const std::string& warning : document.warnings)
        text += fmt::format("warning: {}\n", warning);

    using Align = TextTable::Align;
    text += "\nlock contention (lock:contention_begin/end: slow paths only)\n";
    TextTable locks({{"lock", Align::left},
                     {"address", Align::left},
                     {"begins", Align::right},
                     {"contentions", Align::right},
                     {"slept", Align::right},
                     {"total wait", Align::right},
                     {"mean", Align::right},
                     {"p99", Align::right},
                     {"max", Align::right}});
    for (const LockReport& lock : report.locks) {
        const LockCounters& c = lock.counters;
        locks.add_row({lock.lock.name, hex_address(lock.lock.address), fmt::format("{}", c.begin_events),
                       fmt::format("{}", c.contentions), fmt::format("{}", c.blocked), duration(c.wait_ns_total),
                       wait_or_dash(c.wait_ns_mean()), wait_or_dash(c.wait_hist.percentile(99)),
                       c.contentions ? duration(c.wait_ns_max) : "-"});
    }
    text += locks.render();
    text += "begins: contention_begin events (a mutex may fire two per wait: spin, then sleep).\n"
            "contentions: waits, first begin to end; slept: waits that slept.  p99 from the log2 histogram.\n";

    for (const LockReport& lock : report.locks) {
        if (lock.counters.contentions == 0)
            continue;
        text += fmt::format("\n{}: wait, ns\n{}", lock.lock.name, format_log2_histogram(lock.counters.wait_hist));
        if (lock.stacks.empty())
            continue;
        const WaitStackSampling& sampling = report.wait_stacks;
        const bool sampled = sampling.period > 1;
        text += fmt::format("{}: top {} of {} waiting stacks{}\n", lock.lock.name, lock.stacks.size(),
                            lock.distinct_stacks,
                            sampled ? fmt::format(" (sampled: 1 wait in {}{}; waits and time by stack are estimates)",
                                                  sampling.period,
                                                  sampling.always_first
                                                      ? fmt::format(" past each CPU's first {}", sampling.always_first)
                                                      : "")
                                    : "");
        for (const StackReport& stack : lock.stacks) {
            text += fmt::format("  {} waits{}, {} total, caller {}\n", stack.count,
                                sampled ? fmt::format(" ({} sampled)", stack.sampled) : "",
                                duration(stack.wait_ns), stack.caller);
            for (const std::string& frame : stack.frames)
                text += fmt::format("      {}\n", frame);
        }
    }

    const PercpuReport& percpu = report.percpu;
    const PercpuTotals& totals = percpu.totals;
    text += "\npercpu allocator (percpu:percpu_alloc_percpu, percpu_free_percpu)\n";
    text += fmt::format("  allocs {} ({}), failed {}\n", totals.allocs, bytes(totals.alloc_bytes),
                        totals.alloc_failures);
    if (totals.frees_sized)
        text += fmt::format("  frees  {} ({} of the allocations seen; {} allocated before the trace)\n",
                            totals.frees, bytes(totals.free_bytes), totals.frees_unmatched);
    else
        text += fmt::format("  frees  {} (not sized: --free-sizes sizes them)\n", totals.frees);
    if (!percpu.by_module.empty()) {
        text += "\nby the call site's module:\n";
        TextTable modules({{"module", Align::left},
                           {"allocs", Align::right},
                           {"alloc bytes", Align::right},
                           {"frees", Align::right},
                           {"free bytes", Align::right}});
        for (const auto& [module, counts] : percpu.by_module)
            modules.add_row({module, fmt::format("{}", counts.allocs), fmt::format("{}", counts.alloc_bytes),
                             fmt::format("{}", counts.frees),
                             totals.frees_sized ? fmt::format("{}", counts.free_bytes) : "-"});
        text += modules.render();
    }
    append_sites(text, "allocation call sites", percpu.alloc_sites, percpu.distinct_alloc_sites, true);
    append_sites(text, "free call sites", percpu.free_sites, percpu.distinct_free_sites, totals.frees_sized);
    if (report.lost.total() != 0)
        text += fmt::format("\nnot recorded in full: {} waits untimed, {} unmatched ends, {} lock stacks, {} "
                            "allocator stacks, {} events not by site, {} sizes not kept; skipped by the kernel "
                            "(a program already running on the CPU): {} lock events, {} allocations, {} frees\n",
                            report.lost.pending, report.lost.unmatched_ends, report.lost.lock_stacks,
                            report.lost.alloc_stacks, report.lost.sites, report.lost.live, report.lost.missed_waits,
                            report.lost.missed_allocs, report.lost.missed_frees);
    return text;
}

std::string format_trace_summary(const TraceDocument& document, std::string_view module)
{
    const TraceReport& report = document.report;
    std::string text;
    for (const LockReport& lock : report.locks)
        text += fmt::format("  {}: {} begins, {} contentions, {} total wait\n", lock.lock.name,
                            lock.counters.begin_events, lock.counters.contentions,
                            duration(lock.counters.wait_ns_total));
    const PercpuReport& percpu = report.percpu;
    ModuleCounts from_module;
    if (const auto it = percpu.by_module.find(std::string(module)); it != percpu.by_module.end())
        from_module = it->second;
    text += fmt::format("  percpu: {} allocs, {} frees; from {}: {} allocs, {} frees\n", percpu.totals.allocs,
                        percpu.totals.frees, module, from_module.allocs, from_module.frees);
    return text;
}

Json trace_to_json(const TraceDocument& document)
{
    const TraceReport& report = document.report;
    Json locks = Json::array();
    for (const LockReport& lock : report.locks) {
        const LockCounters& c = lock.counters;
        Json stacks = Json::array();
        for (const StackReport& stack : lock.stacks)
            stacks.push_back({{"count", stack.count},
                              {"wait_ns", stack.wait_ns},
                              {"sampled", stack.sampled},
                              {"caller", stack.caller},
                              {"frames", stack_frames(stack.frames)}});
        locks.push_back({
            {"name", lock.lock.name},
            {"address", hex_address(lock.lock.address)},
            {"begin_events", c.begin_events},
            {"contentions", c.contentions},
            {"blocked", c.blocked},
            {"aborted", c.aborted},
            {"hashed", c.hashed},
            {"wait_ns_total", c.wait_ns_total},
            {"wait_ns_mean", json_or_null(c.wait_ns_mean())},
            {"wait_ns_max", c.wait_ns_max},
            {"wait_ns_p50", json_or_null(c.wait_hist.percentile(50))},
            {"wait_ns_p99", json_or_null(c.wait_hist.percentile(99))},
            {"hist", c.wait_hist.buckets()},
            {"distinct_stacks", lock.distinct_stacks},
            {"stacks", stacks},
        });
    }

    const PercpuReport& percpu = report.percpu;
    Json by_module = Json::object();
    for (const auto& [module, counts] : percpu.by_module) {
        Json sizes = Json::array();
        for (const auto& [size, count] : counts.alloc_sizes)
            sizes.push_back({{"size", size.size}, {"align", size.align}, {"count", count}});
        by_module[module] = {{"allocs", counts.allocs},
                             {"alloc_bytes", counts.alloc_bytes},
                             {"alloc_sizes", sizes},
                             {"frees", counts.frees},
                             {"free_bytes", counts.free_bytes}};
    }
    Json alloc_sites = Json::array();
    for (const CallSiteReport& site : percpu.alloc_sites)
        alloc_sites.push_back(site_json(site));
    Json free_sites = Json::array();
    for (const CallSiteReport& site : percpu.free_sites)
        free_sites.push_back(site_json(site));

    Json command = nullptr;
    if (document.command) {
        const ExitStatus& status = document.command->status;
        command = {{"argv", document.command->argv},
                   {"pid", document.command->pid},
                   {"exited", status.exited},
                   {"exit_code", status.exited ? Json(status.code) : Json(nullptr)},
                   {"signal", status.exited ? Json(nullptr) : Json(status.signal)},
                   {"status", status.shell_status()}};
    }
    const TraceWindow& window = document.window;
    const LostCounts& lost = report.lost;
    return {
        {"schema", "shadowslab-trace/1"},
        {"window",
         {{"kind", window.kind},
          {"requested_duration_ns",
           window.requested_duration_ns ? Json(*window.requested_duration_ns) : Json(nullptr)},
          {"traced_ns", window.traced_ns}}},
        {"command", command},
        {"kernel_release", document.kernel_release},
        {"locks", locks},
        {"wait_stacks", {{"period", report.wait_stacks.period}, {"always_first", report.wait_stacks.always_first}}},
        {"percpu",
         {
             {"allocs", percpu.totals.allocs},
             {"alloc_bytes", percpu.totals.alloc_bytes},
             {"alloc_failures", percpu.totals.alloc_failures},
             {"frees", percpu.totals.frees},
             {"free_bytes", percpu.totals.free_bytes},
             {"frees_unmatched", percpu.totals.frees_unmatched},
             {"frees_sized", percpu.totals.frees_sized},
             {"by_module", by_module},
             {"distinct_alloc_sites", percpu.distinct_alloc_sites},
             {"alloc_sites", alloc_sites},
             {"distinct_free_sites", percpu.distinct_free_sites},
             {"free_sites", free_sites},
         }},
        {"lost",
         {{"pending", lost.pending},
          {"lock_stacks", lost.lock_stacks},
          {"alloc_stacks", lost.alloc_stacks},
          {"sites", lost.sites},
          {"unmatched_ends", lost.unmatched_ends},
          {"live", lost.live},
          {"missed_waits", lost.missed_waits},
          {"missed_allocs", lost.missed_allocs},
          {"missed_frees", lost.missed_frees}}},
        {"warnings", document.warnings},
        {"environment", document.environment ? environment_to_json(*document.environment) : Json(nullptr)},
    };
}

}  // namespace shadowctl
