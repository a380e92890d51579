#include "shadowslab/cpu_list.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "shadowslab/error.hpp"
#include "shadowslab/number_parse.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowslab {

CpuList parse_cpu_list(std::string_view text)
{
    if (text.empty())
        throw std::invalid_argument("empty CPU list");
    CpuList cpus;
    std::vector<bool> seen(kMaxCpuId + 1, false);
    for (const std::string_view item : split(text, ',')) {
        if (item.empty())
            throw std::invalid_argument(fmt::format("empty item in CPU list '{}'", text));
        const std::size_t dash = item.find('-');
        const auto first = static_cast<std::uint32_t>(parse_unsigned(item.substr(0, dash), "CPU", kMaxCpuId));
        const auto last = dash == std::string_view::npos
                              ? first
                              : static_cast<std::uint32_t>(parse_unsigned(item.substr(dash + 1), "CPU", kMaxCpuId));
        if (last < first)
            throw std::invalid_argument(fmt::format("CPU range '{}' runs backwards", item));
        for (std::uint32_t cpu = first; cpu <= last; ++cpu) {
            if (seen[cpu])
                throw std::invalid_argument(fmt::format("CPU {} listed twice in '{}'", cpu, text));
            seen[cpu] = true;
            cpus.push_back(cpu);
        }
    }
    return cpus;
}

std::string format_cpu_list(const CpuList& cpus)
{
    std::string text;
    for (std::size_t begin = 0; begin < cpus.size();) {
        std::size_t end = begin + 1;
        while (end < cpus.size() && cpus[end] == cpus[end - 1] + 1)
            ++end;
        if (!text.empty())
            text += ',';
        text += end - begin == 1 ? fmt::format("{}", cpus[begin])
                                 : fmt::format("{}-{}", cpus[begin], cpus[end - 1]);
        begin = end;
    }
    return text;
}

CpuList read_cpu_list_file(const std::string& path)
{
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        throw OperationError(errno, "open " + path);
    std::string text;
    char chunk[256];
    for (;;) {
        const ssize_t got = ::read(fd.get(), chunk, sizeof(chunk));
        if (got < 0)
            throw OperationError(errno, "read " + path);
        if (got == 0)
            break;
        text.append(chunk, static_cast<std::size_t>(got));
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    try {
        return parse_cpu_list(text);
    } catch (const std::invalid_argument& error) {
        throw std::runtime_error(fmt::format("{}: {}", path, error.what()));
    }
}

CpuList first_cpus(const CpuList& online, std::size_t count)
{
    if (count > online.size())
        throw std::invalid_argument(fmt::format("{} threads asked for, but only {} CPUs are online ({})",
                                                count, online.size(), format_cpu_list(online)));
    return CpuList(online.begin(), online.begin() + static_cast<std::ptrdiff_t>(count));
}

}  // namespace shadowslab
