#include "execbench/execbench.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/exit_status.hpp"
#include "shadowslab/error.hpp"
#include "shadowslab/number_parse.hpp"

// The exec loop's figures, the loop program's whereabouts, and which of
// the module's workloads matches this kernel's exec.

namespace shadowctl::execbench {

namespace {

double rate(std::uint64_t count, std::uint64_t elapsed_ns)
{
    return elapsed_ns ? static_cast<double>(count) * 1e9 / static_cast<double>(elapsed_ns) : 0.0;
}

std::uint64_t sum(const std::vector<std::uint64_t>& values)
{
    return std::accumulate(values.begin(), values.end(), std::uint64_t{0});
}

std::string directory_of(const std::string& path)
{
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

std::uint64_t Interval::total_ops() const { return sum(ops); }

double Interval::ops_per_sec() const { return rate(total_ops(), elapsed_ns); }

std::uint64_t LoopResult::total_ops() const { return sum(ops); }

double LoopResult::ops_per_sec() const { return rate(total_ops(), elapsed_ns); }

double LoopResult::ops_per_sec_per_cpu() const
{
    return cpus.empty() ? 0.0 : ops_per_sec() / static_cast<double>(cpus.size());
}

double LoopResult::cpu_ops_per_sec(std::size_t worker) const
{
    return worker < ops.size() ? rate(ops[worker], elapsed_ns) : 0.0;
}

// ------------------------------------------------------------- the target

std::vector<std::string> default_target_candidates()
{
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length <= 0)
        return {};
    const std::string dir = directory_of(std::string(self, static_cast<std::size_t>(length)));
    return {dir + "/" + kLoopProgramName, directory_of(dir) + "/libexec/shadowslab/" + kLoopProgramName};
}

std::string resolve_target(const std::string& given)
{
    if (given.empty()) {
        const std::vector<std::string> candidates = default_target_candidates();
        for (const std::string& candidate : candidates)
            if (::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        throw shadowslab::OperationError(
            ENOENT,
            candidates.empty() ? std::string("find ") + kLoopProgramName + " (/proc/self/exe is unreadable)"
                               : fmt::format("find {} at {}", kLoopProgramName, fmt::join(candidates, " or ")),
            "build it with `make tools`, or name it with --target PATH");
    }

    struct stat status {};
    if (::stat(given.c_str(), &status) != 0)
        throw UsageError(fmt::format("--target {}: {}", given, std::strerror(errno)));
    if (!S_ISREG(status.st_mode))
        throw UsageError(fmt::format("--target {}: not a regular file", given));
    if (::access(given.c_str(), X_OK) != 0)
        throw UsageError(fmt::format("--target {}: not executable ({})", given, std::strerror(errno)));
    // The loop re-execs argv[0], which must therefore be absolute.
    char* absolute = ::realpath(given.c_str(), nullptr);
    if (!absolute)
        throw UsageError(fmt::format("--target {}: {}", given, std::strerror(errno)));
    std::string path(absolute);
    std::free(absolute);
    return path;
}

namespace {

// /proc/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(std::string_view field)
{
    std::string text;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string_view digits = field.substr(i + 1, 3);
            if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
                text += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
                i += 3;
                continue;
            }
        }
        text += field[i];
    }
    return text;
}

bool under_mount_point(std::string_view path, std::string_view mount_point)
{
    if (mount_point == "/")
        return true;
    return path.substr(0, mount_point.size()) == mount_point &&
           (path.size() == mount_point.size() || path[mount_point.size()] == '/');
}

bool is_remote(std::string_view type)
{
    for (const std::string_view remote : {"9p", "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "fuse"})
        if (type == remote)
            return true;
    return type.substr(0, 5) == "fuse.";  // fuse.sshfs, ...
}

}  // namespace

std::optional<std::string> filesystem_type(std::string_view mounts, std::string_view path)
{
    std::optional<std::string> type;
    std::size_t best = 0;
    for (const std::string_view line : shadowslab::split(mounts, '\n')) {
        // DEVICE MOUNT-POINT TYPE OPTIONS DUMP PASS
        const std::vector<std::string_view> fields = shadowslab::split(line, ' ');
        if (fields.size() < 3)
            continue;
        const std::string mount_point = unescape_mount_field(fields[1]);
        if (!under_mount_point(path, mount_point) || mount_point.size() < best)
            continue;
        best = mount_point.size();
        type = std::string(fields[2]);
    }
    return type;
}

std::optional<std::string> remote_filesystem_note(const std::string& path)
{
    std::ifstream file("/proc/self/mounts");
    if (!file)
        return std::nullopt;
    const std::string mounts{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    const std::optional<std::string> type = filesystem_type(mounts, path);
    if (!type || !is_remote(*type))
        return std::nullopt;
    return fmt::format("{} is on a {} filesystem, which every exec may read it from, so the figures include "
                       "that filesystem; for exec's own cost copy it to a local one and pass --target "
                       "(e.g. cp {} /tmp/)",
                       path, *type, path);
}

// ------------------------------------------------------------ comparison

std::optional<KernelVersion> parse_kernel_version(std::string_view release)
{
    KernelVersion version;
    const char* const end = release.data() + release.size();
    auto [after_major, major_error] = std::from_chars(release.data(), end, version.major);
    if (major_error != std::errc() || after_major == end || *after_major != '.')
        return std::nullopt;
    auto [after_minor, minor_error] = std::from_chars(after_major + 1, end, version.minor);
    if (minor_error != std::errc())
        return std::nullopt;
    // "6.1", "6.1.0-56-amd64", "6.18.44-fc-v595", "6.9-rc1" all qualify;
    // "6.1x" does not.
    if (after_minor != end && *after_minor != '.' && *after_minor != '-' && *after_minor != '+' &&
        *after_minor != '_')
        return std::nullopt;
    return version;
}

KernelMatch match_kernel(std::string_view release)
{
    using shadowslab::Strategy;
    KernelMatch match;
    const std::optional<KernelVersion> version = parse_kernel_version(release);
    if (!version) {
        match.known = false;
        match.note = fmt::format("cannot tell the version of kernel '{}'; assuming 6.2 or later: profile kernel",
                                 release);
        return match;
    }
    if (version->major > 6 || (version->major == 6 && version->minor >= 2)) {
        match.note = "profile kernel: this kernel's own mm_init() percpu allocations (shadowctl info lists them)";
    } else {
        match.mm_has_percpu = false;
        match.matching_strategy = Strategy::slab;
        match.note =
            "this kernel's mm_struct owns no percpu memory, so the slab strategy matches its exec; "
            "percpu runs the kernel profile's what-if, mm-6.6, what a 6.6+ kernel would add";
    }
    return match;
}

std::optional<double> ns_per_cycle_per_cpu(const shadowslab::RunResult& result)
{
    if (result.total_cycles == 0 || result.elapsed_ns == 0 || result.threads.empty())
        return std::nullopt;
    return static_cast<double>(result.elapsed_ns) * static_cast<double>(result.threads.size()) /
           static_cast<double>(result.total_cycles);
}

std::optional<double> percpu_share_of_exec(double exec_ops_per_sec_per_cpu, double percpu_ns_per_cycle,
                                           double slab_ns_per_cycle)
{
    if (!(exec_ops_per_sec_per_cpu > 0))
        return std::nullopt;
    const double exec_ns = 1e9 / exec_ops_per_sec_per_cpu;
    return (percpu_ns_per_cycle - slab_ns_per_cycle) / exec_ns;
}

bool Comparison::cancelled() const
{
    return !percpu || !slab || percpu->cancelled || slab->cancelled;
}

std::optional<double> Comparison::estimate(const LoopResult& loop) const
{
    if (!percpu || !slab)
        return std::nullopt;
    const std::optional<double> percpu_ns = ns_per_cycle_per_cpu(*percpu);
    const std::optional<double> slab_ns = ns_per_cycle_per_cpu(*slab);
    if (!percpu_ns || !slab_ns)
        return std::nullopt;
    return percpu_share_of_exec(loop.ops_per_sec_per_cpu(), *percpu_ns, *slab_ns);
}

bool Report::cancelled() const
{
    return loop.cancelled || (comparison && comparison->cancelled());
}

}  // namespace shadowctl::execbench
