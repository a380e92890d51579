#include "shadowslab/run.hpp"

namespace shadowslab {

double per_cycle(std::uint64_t events, std::uint64_t cycles)
{
    return cycles ? static_cast<double>(events) / static_cast<double>(cycles) : 0.0;
}

double cycles_per_second(std::uint64_t cycles, std::uint64_t elapsed_ns)
{
    return elapsed_ns ? static_cast<double>(cycles) * 1e9 / static_cast<double>(elapsed_ns) : 0.0;
}

double ThreadResult::cycles_per_second() const { return shadowslab::cycles_per_second(cycles, elapsed_ns); }

double RunResult::cycles_per_second() const { return shadowslab::cycles_per_second(total_cycles, elapsed_ns); }

Histogram RunResult::merged_histogram() const
{
    Histogram merged;
    for (const ThreadResult& thread : threads)
        merged.merge(thread.histogram);
    return merged;
}

}  // namespace shadowslab
