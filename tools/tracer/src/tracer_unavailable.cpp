// The Tracer of a build configured with -DSHADOWSLAB_TRACER=OFF, which has
// no BPF programs (and needs no clang, bpftool or libbpf): constructing one
// fails with EOPNOTSUPP and says why, so that `shadowctl trace` and every
// `--trace` option report it as any other tracer error is reported.  No
// Tracer object can exist, so the other members have nothing to do.

#include <cerrno>

#include "shadowslab/tracer/trace_error.hpp"
#include "shadowslab/tracer/tracer.hpp"

namespace shadowslab::tracer {

class Skeleton {};

Tracer::Tracer(const TracerOptions& /*options*/)
{
    throw TraceError(EOPNOTSUPP,
                     "this shadowctl was built without the percpu lock tracer (cmake -DSHADOWSLAB_TRACER=OFF): "
                     "rebuild it with -DSHADOWSLAB_TRACER=ON (it needs clang, bpftool and libbpf) to trace");
}

Tracer::~Tracer() = default;

void Tracer::set_segment(std::uint32_t /*segment*/) {}

TraceSnapshot Tracer::snapshot() const
{
    return {};
}

void Tracer::clear() {}

}  // namespace shadowslab::tracer
