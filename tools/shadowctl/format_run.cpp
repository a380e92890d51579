#include "format_run.hpp"

#include <fmt/format.h>

#include "format_util.hpp"
#include "text_table.hpp"

namespace shadowctl {

namespace {

std::uint64_t warmup_cycles_run(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    return request.warmup_cycles * result.threads.size();
}

std::string run_length(const shadowslab::RunRequest& request)
{
    return request.cycles ? fmt::format("{} cycles per thread", request.cycles)
                          : fmt::format("{} per thread", duration(request.duration_ns));
}

}  // namespace

std::string format_run_text(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    using shadowslab::per_cycle;
    std::string text = fmt::format(
        "strategy {}, profile {}, {} thread{} on CPU{} {}, {}, warm-up {} cycles per thread\n",
        shadowslab::to_string(request.strategy), shadowslab::describe(request.profile), request.cpus.size(),
        request.cpus.size() == 1 ? "" : "s", request.cpus.size() == 1 ? "" : "s",
        shadowslab::format_cpu_list(request.cpus), run_length(request),
        request.warmup_cycles);
    text += fmt::format("status: {}\n\n", result.cancelled ? "CANCELLED (partial results)" : "completed");

    using Align = TextTable::Align;
    TextTable table({{"thread", Align::right},
                     {"cpu", Align::right},
                     {"cycles", Align::right},
                     {"elapsed", Align::right},
                     {"cycles/s", Align::right},
                     {"ns/cycle p50", Align::right},
                     {"p99", Align::right},
                     {"check failures", Align::right}});
    for (std::size_t i = 0; i < result.threads.size(); ++i) {
        const shadowslab::ThreadResult& thread = result.threads[i];
        table.add_row({fmt::format("{}", i), fmt::format("{}", thread.cpu), fmt::format("{}", thread.cycles),
                       duration(thread.elapsed_ns), fmt::format("{:.0f}", thread.cycles_per_second()),
                       fixed(thread.histogram.percentile(50), 0), fixed(thread.histogram.percentile(99), 0),
                       fmt::format("{}", thread.check_failures)});
    }
    const shadowslab::Histogram merged = result.merged_histogram();
    table.add_row({"total", "", fmt::format("{}", result.total_cycles), duration(result.elapsed_ns),
                   fmt::format("{:.0f}", result.cycles_per_second()), fixed(merged.percentile(50), 0),
                   fixed(merged.percentile(99), 0), fmt::format("{}", result.check_failures)});
    text += table.render();

    const std::uint64_t warmup_cycles = warmup_cycles_run(request, result);
    text += fmt::format("\npercpu per cycle, timed    {:.3f} allocs, {:.3f} frees ({} allocs, {} frees)\n",
                        per_cycle(result.percpu_allocs, result.total_cycles),
                        per_cycle(result.percpu_frees, result.total_cycles), result.percpu_allocs,
                        result.percpu_frees);
    text += fmt::format("percpu per cycle, warm-up  {:.3f} allocs, {:.3f} frees ({} allocs, {} frees)\n",
                        per_cycle(result.warmup_percpu_allocs, warmup_cycles),
                        per_cycle(result.warmup_percpu_frees, warmup_cycles), result.warmup_percpu_allocs,
                        result.warmup_percpu_frees);
    text += fmt::format("check failures             {}\n",
                        request.check ? fmt::format("{}", result.check_failures) : "not checked (use --check)");
    return text;
}

Json run_to_json(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    using shadowslab::per_cycle;
    Json threads = Json::array();
    for (const shadowslab::ThreadResult& thread : result.threads)
        threads.push_back({
            {"cpu", thread.cpu},
            {"cycles", thread.cycles},
            {"elapsed_ns", thread.elapsed_ns},
            {"cycles_per_sec", thread.cycles_per_second()},
            {"ns_per_cycle_p50", json_or_null(thread.histogram.percentile(50))},
            {"ns_per_cycle_p99", json_or_null(thread.histogram.percentile(99))},
            {"samples", thread.samples},
            {"check_failures", thread.check_failures},
            {"hist", thread.histogram.buckets()},
        });
    const shadowslab::Histogram merged = result.merged_histogram();
    const std::uint64_t warmup_cycles = warmup_cycles_run(request, result);
    return {
        {"schema", "shadowslab-run/1"},
        {"status", result.cancelled ? "cancelled" : "completed"},
        {"request",
         {
             {"strategy", shadowslab::to_string(request.strategy)},
             {"profile", profile_to_json(request.profile)},
             {"cpus", request.cpus},
             {"cycles", request.cycles},
             {"duration_ns", request.duration_ns},
             {"warmup_cycles", request.warmup_cycles},
             {"check", request.check},
             {"magazine_size", request.magazine_size},
             {"sample_shift", request.sample_shift},
         }},
        {"elapsed_ns", result.elapsed_ns},
        {"total_cycles", result.total_cycles},
        {"cycles_per_sec", result.cycles_per_second()},
        {"ns_per_cycle_p50", json_or_null(merged.percentile(50))},
        {"ns_per_cycle_p99", json_or_null(merged.percentile(99))},
        {"samples", merged.total()},
        {"percpu_allocs", result.percpu_allocs},
        {"percpu_frees", result.percpu_frees},
        {"percpu_allocs_per_cycle", per_cycle(result.percpu_allocs, result.total_cycles)},
        {"percpu_frees_per_cycle", per_cycle(result.percpu_frees, result.total_cycles)},
        {"warmup_percpu_allocs", result.warmup_percpu_allocs},
        {"warmup_percpu_frees", result.warmup_percpu_frees},
        {"warmup_percpu_allocs_per_cycle", per_cycle(result.warmup_percpu_allocs, warmup_cycles)},
        {"warmup_percpu_frees_per_cycle", per_cycle(result.warmup_percpu_frees, warmup_cycles)},
        {"check_failures", result.check_failures},
        {"threads", threads},
    };
}

}  // namespace shadowctl
