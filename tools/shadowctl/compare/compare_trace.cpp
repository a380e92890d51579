#include "compare/compare_trace.hpp"

#include <cctype>

#include "trace/document.hpp"

namespace shadowctl {

namespace tr = shadowslab::tracer;

void CompareTrace::add(shadowslab::Strategy strategy, unsigned threads, const tr::TraceSnapshot& snapshot,
                       std::uint64_t timed_ns, const tr::Kallsyms& symbols)
{
    CompareTraceRow row;
    row.runs = 1;
    for (std::size_t lock = 0; lock < locks_.size(); ++lock)
        row.locks.push_back(snapshot.lock_counters(lock, tr::kTimedSegmentOnly));
    row.percpu = snapshot.percpu_totals(tr::kTimedSegmentOnly);
    const tr::TraceReport report = tr::build_report(snapshot, tr::kTimedSegmentOnly, symbols, 1);
    const auto module = report.percpu.by_module.find(std::string(kModuleName));
    if (module != report.percpu.by_module.end()) {
        row.module_allocs = module->second.allocs;
        row.module_frees = module->second.frees;
    }
    row.timed_ns = timed_ns;
    add(strategy, threads, row);
}

void CompareTrace::add(shadowslab::Strategy strategy, unsigned threads, const CompareTraceRow& row)
{
    CompareTraceRow& sum = rows_[{strategy, threads}];
    sum.runs += row.runs;
    sum.locks.resize(locks_.size());
    for (std::size_t lock = 0; lock < locks_.size() && lock < row.locks.size(); ++lock)
        sum.locks[lock].merge(row.locks[lock]);
    sum.percpu.merge(row.percpu);
    sum.module_allocs += row.module_allocs;
    sum.module_frees += row.module_frees;
    sum.timed_ns += row.timed_ns;
}

const CompareTraceRow* CompareTrace::find(shadowslab::Strategy strategy, unsigned threads) const
{
    const auto it = rows_.find({strategy, threads});
    return it == rows_.end() ? nullptr : &it->second;
}

std::string key_name(std::string_view lock_name)
{
    std::string key(lock_name);
    for (char& c : key)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            c = '_';
    return key;
}

}  // namespace shadowctl
